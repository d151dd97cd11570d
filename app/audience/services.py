"""What the audience pages show and do: filtered lists, bulk tagging, segments with counts.

Every query goes through `app.core.subscribers.segments.query`, scoped to the workspace; nothing
is filtered in Python, so counts and pages stay exact at any audience size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.audience.filters import SUBMITTED, FilterInput, form_for, parse
from app.core.db import parse_id, utcnow
from app.core.policy import WindowState, window_state
from app.core.subscribers import edits, saved, segments
from app.core.subscribers.models import Subscriber
from app.core.subscribers.segments import Segment, SegmentFilter
from app.extensions import db

PER_PAGE_CHOICES = (25, 50, 100)
SORTS = {
    "active": "Last active",
    "newest": "Newest first",
    "name": "Name",
}


class NotFound(LookupError):
    """An id that is not the workspace's (answered with 404)."""


@dataclass
class Resolved:
    """The filter a request asks for, the form showing it, and the saved segment it came from."""

    filter: SegmentFilter
    form: FilterInput
    segment: Segment | None = None
    submitted: bool = True  # False: the saved segment's own filter, exactly as stored

    def args(self) -> list[tuple[str, str]]:
        """Query-string pairs that resolve to this same filter (for links, exports, bulk)."""
        if self.segment is not None and not self.submitted:
            return [("segment", str(self.segment.id))]
        pairs = self.form.args()
        return pairs + ([("segment", str(self.segment.id))] if self.segment is not None else [])

    def query_string(self) -> str:
        """`args()` encoded for a URL."""
        return urlencode(self.args())


def resolve(workspace_id: int, args: MultiDict[str, str], zone: tzinfo) -> Resolved:
    """The filter of a list/export/bulk request: the form's values, or a saved segment's."""
    segment = None
    raw_id = args.get("segment", "")
    if raw_id:
        number = parse_id(raw_id)
        segment = saved.get(workspace_id, number) if number is not None else None
        if segment is None:
            raise NotFound(raw_id)
    if segment is not None and SUBMITTED not in args:
        try:
            segment_filter = segment.filter
        except (ValueError, TypeError) as exc:
            form = FilterInput(errors=[f"This segment's saved filter cannot be read ({exc})."])
            return Resolved(SegmentFilter(), form, segment, submitted=False)
        return Resolved(segment_filter, form_for(segment_filter, zone), segment, submitted=False)
    segment_filter, form = parse(args, zone)
    return Resolved(segment_filter, form, segment)


@dataclass(frozen=True)
class Row:
    """One subscriber of a list, with their window worked out once."""

    subscriber: Subscriber
    window: WindowState


@dataclass(frozen=True)
class Listing:
    """One page of a filtered list."""

    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the result spans (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """1-based position of the first row shown."""
        return 0 if not self.rows else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        """1-based position of the last row shown."""
        return self.first + len(self.rows) - 1 if self.rows else 0

    def page_numbers(self) -> list[int | None]:
        """Page links to show: the ends and the neighbourhood of the current page (None = gap)."""
        wanted = {1, self.pages, *range(self.page - 2, self.page + 3)}
        numbers: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def _ordered(statement: Select[Any], sort: str) -> Select[Any]:
    statement = statement.order_by(None)
    if sort == "newest":
        return statement.order_by(Subscriber.first_seen_at.desc(), Subscriber.id.desc())
    if sort == "name":
        return statement.order_by(func.lower(Subscriber.name).asc().nulls_last(), Subscriber.id)
    return statement.order_by(Subscriber.last_inbound_at.desc().nulls_last(), Subscriber.id.desc())


def listing(
    workspace_id: int,
    segment_filter: SegmentFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: str = "active",
    now: datetime | None = None,
) -> Listing:
    """One page of the subscribers in `segment_filter` (LIMIT/OFFSET), with the total."""
    now = now or utcnow()
    total = segments.count(workspace_id, segment_filter, now)
    per_page = per_page if per_page in PER_PAGE_CHOICES else 50
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    statement = (
        _ordered(segments.query(workspace_id, segment_filter, now), sort)
        .options(selectinload(Subscriber.tags), selectinload(Subscriber.page))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [Row(sub, window_state(sub, now)) for sub in db.session.scalars(statement)]
    return Listing(rows, total, page, per_page)


def bulk_tags(
    workspace_id: int,
    segment_filter: SegmentFilter,
    *,
    add: bool,
    tags: list[str],
    only: list[int] | None = None,
) -> int:
    """Add or remove `tags` on the filter's subscribers (or the chosen ones of them). Commits.

    Returns how many subscribers were concerned. Raises edits.EditError for an invalid tag.
    """
    cleaned = [edits.clean_tag(tag) for tag in tags]
    if not cleaned:
        raise edits.EditError("Type at least one tag.")
    statement = segments.query(workspace_id, segment_filter).with_only_columns(Subscriber.id)
    statement = statement.order_by(None)
    if only is not None:
        statement = statement.where(Subscriber.id.in_(only))  # ticked rows: one page at most
    concerned = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    # One statement per tag, whatever the audience's size.
    (edits.add_tags_where if add else edits.remove_tags_where)(statement, cleaned)
    db.session.commit()
    return concerned


@dataclass(frozen=True)
class SegmentSummary:
    """A saved segment with its live size (None when its filter cannot be read)."""

    segment: Segment
    count: int | None
    form: FilterInput | None


def segment_summaries(workspace_id: int, zone: tzinfo) -> list[SegmentSummary]:
    """The workspace's saved segments, each counted now."""
    now = utcnow()
    summaries = []
    for segment in saved.segments(workspace_id):
        try:
            segment_filter = segment.filter
        except (ValueError, TypeError):
            summaries.append(SegmentSummary(segment, None, None))
            continue
        count = segments.count(workspace_id, segment_filter, now)
        summaries.append(SegmentSummary(segment, count, form_for(segment_filter, zone)))
    return summaries


def segment_or_404(workspace_id: int, segment_id: int) -> Segment:
    """A saved segment of the workspace (another workspace's id raises NotFound)."""
    segment = saved.get(workspace_id, segment_id)
    if segment is None:
        raise NotFound(segment_id)
    return segment
