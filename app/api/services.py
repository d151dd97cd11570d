"""What the API's views need from the core, scoped to the key's workspace.

Filtering, editing, saving segments and creating links are the core's (the dashboard calls the
same functions); this module only scopes look-ups by workspace, pages lists and owns the
transaction of multi-step edits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.schemas import Row
from app.core import subscribers
from app.core.api.pagination import paginate
from app.core.db import utcnow
from app.core.models import Page
from app.core.subscribers import edits, growth, saved, segments
from app.core.subscribers.edits import EditError
from app.core.subscribers.growth import GrowthLink
from app.core.subscribers.models import Subscriber
from app.core.subscribers.segments import Segment, SegmentFilter
from app.extensions import db


def list_pages(workspace_id: int, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the workspace's Pages (disconnected ones too, with their status)."""
    result = paginate(select(Page).where(Page.workspace_id == workspace_id), Page.id, args)
    counts = subscribers.count_by_page([page.id for page in result["data"]])
    result["data"] = [Row(page, subscriber_count=counts[page.id]) for page in result["data"]]
    return result


def get_page(workspace_id: int, page_id: int) -> Page | None:
    """A Page of the workspace, or None (another workspace's id finds nothing)."""
    page = db.session.get(Page, page_id)
    return page if page is not None and page.workspace_id == workspace_id else None


def page_row(page: Page) -> Row:
    """A Page with its subscriber count, as the API shows it."""
    return Row(page, subscriber_count=subscribers.count_by_page([page.id])[page.id])


def _with_tags_and_fields(query: Any) -> Any:
    # Every subscriber in a response shows its tags and fields: load them in two queries.
    return query.options(selectinload(Subscriber.tags), selectinload(Subscriber.fields))


def list_subscribers(
    workspace_id: int,
    segment_filter: SegmentFilter,
    args: dict[str, Any],
    saved_segment: Segment | None = None,
) -> dict[str, Any]:
    """A page of the subscribers the filter (and the saved segment, if any) selects."""
    now = utcnow()
    if saved_segment is None:
        query = segments.query(workspace_id, segment_filter, now)
    else:
        query = segments.query(workspace_id, saved_segment.filter, now).where(
            *segments.conditions(segment_filter, now)
        )
    return paginate(_with_tags_and_fields(query), Subscriber.id, args)


def get_subscriber(workspace_id: int, subscriber_id: int) -> Subscriber | None:
    """A subscriber the workspace's lists would show (its Page not disconnected), or None."""
    query = segments.query(workspace_id, SegmentFilter()).where(Subscriber.id == subscriber_id)
    return db.session.scalars(_with_tags_and_fields(query)).first()


def update_subscriber(
    subscriber: Subscriber,
    tags_add: list[str],
    tags_remove: list[str],
    fields: dict[str, str | None],
) -> Subscriber:
    """Apply tag and field changes all at once, or none of them (EditError). Commits."""
    try:
        added = {edits.clean_tag(tag) for tag in tags_add}
        removed = {edits.clean_tag(tag) for tag in tags_remove}
        both = added & removed
        if both:
            raise EditError(f"Tags both added and removed: {', '.join(sorted(both))}.")
        if removed:
            edits.remove_tags([subscriber.id], sorted(removed))
        if added:
            edits.add_tags([subscriber.id], sorted(added))
        if fields:
            edits.set_fields(subscriber, fields)
        db.session.commit()
    except EditError:
        db.session.rollback()
        raise
    return subscriber


def list_segments(workspace_id: int, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the workspace's saved segments."""
    return paginate(select(Segment).where(Segment.workspace_id == workspace_id), Segment.id, args)


def segment_members(workspace_id: int, segment: Segment, args: dict[str, Any]) -> dict[str, Any]:
    """A page of a saved segment's members, and how many there are in all."""
    now = utcnow()
    result = paginate(
        _with_tags_and_fields(segments.query(workspace_id, segment.filter, now)),
        Subscriber.id,
        args,
    )
    result["count"] = segments.count(workspace_id, segment.filter, now)
    return result


def preview(workspace_id: int, segment_filter: SegmentFilter) -> dict[str, Any]:
    """How many subscribers a filter selects, and the first 20 of them."""
    return {
        "count": segments.count(workspace_id, segment_filter),
        "preview": segments.preview(workspace_id, segment_filter, limit=20),
    }


def get_segment(workspace_id: int, segment_id: int) -> Segment | None:
    """A saved segment of the workspace, or None."""
    return saved.get(workspace_id, segment_id)


def _link_rows(links: list[GrowthLink]) -> list[Row]:
    counts = growth.subscriber_counts(links)
    return [Row(link, subscribers=counts[link.id]) for link in links]


def list_growth_links(workspace_id: int, args: dict[str, Any]) -> dict[str, Any]:
    """A page of the workspace's growth links, with the subscribers each brought."""
    query = (
        select(GrowthLink)
        .where(GrowthLink.workspace_id == workspace_id)
        .options(selectinload(GrowthLink.page))
    )
    result = paginate(query, GrowthLink.id, args)
    result["data"] = _link_rows(result["data"])
    return result


def get_growth_link(workspace_id: int, link_id: int) -> GrowthLink | None:
    """A growth link of the workspace, or None."""
    return growth.get(workspace_id, link_id)


def growth_link_row(link: GrowthLink) -> Row:
    """A link with its subscriber count, as the API shows it."""
    return _link_rows([link])[0]


def create_growth_link(page: Page, name: str, ref: str | None) -> GrowthLink:
    """Create a link (the core's rules: RefTaken when the Page already uses the ref)."""
    return growth.create(page, name, ref)
