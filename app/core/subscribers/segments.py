"""Segments: filters over subscribers, evaluated in SQL, saved by name for every feature to use.

A `SegmentFilter` is plain data (it round-trips through JSON for saved segments and the API);
`query` turns it into one SELECT scoped to a workspace, so audiences are exact at any size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Select, String, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from app.core.db import TimestampMixin, utcnow
from app.core.models import Page, PageStatus
from app.core.policy import HUMAN_AGENT_WINDOW, WINDOW, Window
from app.core.subscribers.models import Source, Subscriber, SubscriberField, SubscriberTag
from app.extensions import db

FIELD_OPERATORS = ("equals", "not_equals", "contains", "is_set", "is_not_set")


@dataclass(frozen=True)
class FieldCondition:
    """A condition on one custom field."""

    name: str
    operator: str = "equals"
    value: str = ""


@dataclass(frozen=True)
class SegmentFilter:
    """Who is in a segment. Empty fields mean "no condition"."""

    page_ids: tuple[int, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    subscribed: bool | None = None
    reachable: bool | None = None
    window: str | None = None  # a policy.Window value
    sources: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    first_seen_from: datetime | None = None
    first_seen_to: datetime | None = None
    last_active_from: datetime | None = None
    last_active_to: datetime | None = None
    fields: tuple[FieldCondition, ...] = field(default=())
    search: str | None = None

    def __post_init__(self) -> None:
        # Tags are stored lower case with single spaces; a filter on "VIP " must find "vip".
        for name in ("tags_any", "tags_all", "tags_none"):
            cleaned = tuple(
                dict.fromkeys(" ".join(tag.lower().split()) for tag in getattr(self, name))
            )
            object.__setattr__(self, name, tuple(tag for tag in cleaned if tag))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO strings), without empty conditions."""
        data = asdict(self)
        for key, value in list(data.items()):
            if isinstance(value, datetime):
                data[key] = value.isoformat()
            if value in (None, (), [], ""):
                del data[key]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentFilter:
        """Read a dict written by `to_json` (or sent to the API); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown segment condition(s): {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if value is None:
                continue
            if key.endswith(("_from", "_to")):
                value = datetime.fromisoformat(value) if isinstance(value, str) else value
            elif key == "fields":
                value = tuple(FieldCondition(**condition) for condition in value)
            elif isinstance(value, list):
                value = tuple(value)
            values[key] = value
        segment = cls(**values)
        segment.validate()
        return segment

    def validate(self) -> None:
        """Refuse values no query could mean."""
        if self.window is not None and self.window not in {w.value for w in Window}:
            raise ValueError(f"window must be one of {', '.join(w.value for w in Window)}")
        unknown_sources = set(self.sources) - {s.value for s in Source}
        if unknown_sources:
            raise ValueError(f"unknown source(s): {', '.join(sorted(unknown_sources))}")
        for condition in self.fields:
            if condition.operator not in FIELD_OPERATORS:
                raise ValueError(f"field operator must be one of {', '.join(FIELD_OPERATORS)}")
        for name in ("first_seen_from", "first_seen_to", "last_active_from", "last_active_to"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone")


class Segment(TimestampMixin, db.Model):
    """A named, saved filter of a workspace."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def filter(self) -> SegmentFilter:
        """The saved filter."""
        return SegmentFilter.from_json(self.definition or {})


def _has_tag(tag: str) -> Any:
    return exists().where(SubscriberTag.subscriber_id == Subscriber.id, SubscriberTag.tag == tag)


def _field_condition(condition: FieldCondition) -> Any:
    match = (SubscriberField.subscriber_id == Subscriber.id) & (
        SubscriberField.name == condition.name
    )
    if condition.operator == "is_set":
        return exists().where(match)
    if condition.operator == "is_not_set":
        return not_(exists().where(match))
    if condition.operator == "contains":
        pattern = f"%{like_escape(condition.value.lower())}%"
        return exists().where(
            match, func.lower(SubscriberField.value).like(pattern, escape=LIKE_ESCAPE)
        )
    equal = exists().where(match, SubscriberField.value == condition.value)
    return not_(equal) if condition.operator == "not_equals" else equal


LIKE_ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (searching "50%" finds "50%", not all)."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def _search_condition(text: str) -> Any:
    pattern = f"%{like_escape(text.lower())}%"
    names = (Subscriber.name, Subscriber.first_name, Subscriber.last_name)
    return or_(
        *(func.lower(column).like(pattern, escape=LIKE_ESCAPE) for column in names),
        Subscriber.psid == text,
    )


def _window_condition(window: str, now: datetime) -> Any:
    last = Subscriber.last_inbound_at
    if window == Window.OPEN:
        return last >= now - WINDOW
    if window == Window.HUMAN_AGENT:
        return and_(last < now - WINDOW, last >= now - HUMAN_AGENT_WINDOW)
    return or_(last.is_(None), last < now - HUMAN_AGENT_WINDOW)


def conditions(segment: SegmentFilter, now: datetime) -> list[Any]:
    """The WHERE clauses of a filter (without the workspace scope)."""
    clauses: list[Any] = []
    if segment.page_ids:
        clauses.append(Subscriber.page_id.in_(segment.page_ids))
    if segment.tags_any:
        clauses.append(or_(*(_has_tag(tag) for tag in segment.tags_any)))
    clauses.extend(_has_tag(tag) for tag in segment.tags_all)
    clauses.extend(not_(_has_tag(tag)) for tag in segment.tags_none)
    if segment.subscribed is not None:
        clauses.append(Subscriber.subscribed.is_(segment.subscribed))
    if segment.reachable is not None:
        clauses.append(Subscriber.unreachable.is_(not segment.reachable))
    if segment.window:
        clauses.append(_window_condition(segment.window, now))
    if segment.sources:
        clauses.append(Subscriber.source.in_(segment.sources))
    if segment.refs:
        clauses.append(Subscriber.ref.in_(segment.refs))
    ranges = (
        (Subscriber.first_seen_at, segment.first_seen_from, segment.first_seen_to),
        (Subscriber.last_inbound_at, segment.last_active_from, segment.last_active_to),
    )
    for column, start, end in ranges:
        if start is not None:
            clauses.append(column >= start)
        if end is not None:
            clauses.append(column < end)
    clauses.extend(_field_condition(condition) for condition in segment.fields)
    if segment.search and segment.search.strip():
        clauses.append(_search_condition(segment.search.strip()))
    return clauses


def query(
    workspace_id: int, segment: SegmentFilter, now: datetime | None = None
) -> Select[tuple[Subscriber]]:
    """Subscribers of the workspace's connected Pages in the segment, oldest first."""
    now = now or utcnow()
    return (
        select(Subscriber)
        .join(Page, Page.id == Subscriber.page_id)
        .where(
            Subscriber.workspace_id == workspace_id,
            Page.status != PageStatus.DISCONNECTED,
            *conditions(segment, now),
        )
        .order_by(Subscriber.id)
    )


def count(workspace_id: int, segment: SegmentFilter, now: datetime | None = None) -> int:
    """How many subscribers are in the segment."""
    inner = query(workspace_id, segment, now).order_by(None).with_only_columns(Subscriber.id)
    return db.session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def preview(workspace_id: int, segment: SegmentFilter, limit: int = 20) -> list[Subscriber]:
    """The first few subscribers of the segment (most recently active first)."""
    ordered = query(workspace_id, segment).order_by(Subscriber.last_inbound_at.desc().nulls_last())
    # Previews show each subscriber's Page and tags: load them with the rows, not row by row.
    ordered = ordered.options(selectinload(Subscriber.tags), selectinload(Subscriber.page))
    return list(db.session.scalars(ordered.limit(limit)))
