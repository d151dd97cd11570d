"""Subscriber writes for many subscribers at once, for features that send in bulk (broadcasts,
autoposting): one statement instead of loading and flushing each row. Part of the store, so the
rule stands that only `app.core.subscribers` writes subscriber rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update

from app.core.subscribers.models import Subscriber
from app.extensions import db


def record_outbound_many(subscriber_ids: Sequence[int], at: datetime) -> None:
    """Remember that the Page wrote to each of them at `at` (clocks only move forward).

    Caller commits.
    """
    if not subscriber_ids:
        return
    db.session.execute(
        update(Subscriber)
        .where(
            Subscriber.id.in_(list(subscriber_ids)),
            or_(Subscriber.last_outbound_at.is_(None), Subscriber.last_outbound_at < at),
        )
        .values(last_outbound_at=at)
        .execution_options(synchronize_session=False)
    )
