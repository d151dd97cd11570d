"""The subscriber store: the only code that writes subscriber rows."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.subscribers.models import Subscriber
from app.extensions import db


def count_by_page(page_ids: list[int]) -> dict[int, int]:
    """Subscribers per Page (subscribed or not), for the Pages list."""
    if not page_ids:
        return {}
    query = (
        select(Subscriber.page_id, func.count())
        .where(Subscriber.page_id.in_(page_ids))
        .group_by(Subscriber.page_id)
    )
    counts = dict(db.session.execute(query).tuples().all())
    return {page_id: counts.get(page_id, 0) for page_id in page_ids}
