"""Who a broadcast reaches: its segment on its Page, and what the messaging policy will say.

The counts shown before sending are computed in SQL with the same rules, in the same order, as
`core.policy.decide` applies them to each recipient when it is sent (tests hold the two equal):
unreachable, then unsubscribed, then held for a live chat, then the 24-hour window (only for
promotional broadcasts: an update tag reaches people outside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select

from app.broadcasts.models import Intent
from app.core import policy
from app.core.db import parse_id, utcnow
from app.core.models import Page
from app.core.subscribers import saved, segments
from app.core.subscribers.models import Subscriber
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db

# Buckets of the preview, in the order the policy checks them.
EXCLUSIONS = ("unreachable", "unsubscribed", "held", "outside_window")
EXCLUSION_LABELS = {
    "unreachable": "Unreachable (blocked the Page or no longer on Messenger)",
    "unsubscribed": "Unsubscribed from automated messages",
    "held": "Held while an operator chats with them (sent when the chat goes quiet)",
    "outside_window": "Outside the 24-hour window",
    "page_unavailable": "The Page is not connected",
}


class AudienceError(ValueError):
    """An audience that cannot be used; the message is for the marketer."""


@dataclass(frozen=True)
class AudienceCounts:
    """How many the audience holds, will receive the broadcast now, and why the others won't."""

    total: int
    in_window: int  # will receive it inside the 24-hour window (UPDATE)
    tagged: int  # will receive it outside the window with the update tag (MESSAGE_TAG)
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def receiving(self) -> int:
        """Everyone who will receive it."""
        return self.in_window + self.tagged

    @property
    def excluded_total(self) -> int:
        """Everyone who will not (or not yet, for those held)."""
        return sum(self.excluded.values())


def segment_filter(
    workspace_id: int, audience: dict[str, Any], now: datetime | None = None
) -> SegmentFilter:
    """The filter of an audience: the saved segment as it is now (its snapshot if deleted).

    "Active within N days" counts back from the moment of sending, not of composing.
    """
    segment_id = audience.get("segment_id")
    number = parse_id(segment_id)
    segment = saved.get(workspace_id, number) if number is not None else None
    result = (
        segment.filter
        if segment is not None
        else SegmentFilter.from_json(audience.get("filter") or {})
    )
    days = audience.get("active_within_days")
    if days:
        result = replace(result, last_active_from=(now or utcnow()) - timedelta(days=int(days)))
    return result


def resolve(workspace_id: int, audience: dict[str, Any]) -> dict[str, Any]:
    """The audience as stored: a saved segment keeps a snapshot of its filter (AudienceError)."""
    days = audience.get("active_within_days")
    if days is not None and not 1 <= (parse_id(days) or 0) <= 3650:
        raise AudienceError("“Active within” takes a number of days between 1 and 3650.")
    extra = {"active_within_days": int(days)} if days else {}
    segment_id = audience.get("segment_id")
    if segment_id is not None:
        number = parse_id(segment_id)
        if number is None:
            raise AudienceError("Choose one of your saved segments.")
        segment = saved.get(workspace_id, number)
        if segment is None:
            raise AudienceError("That saved segment does not exist (any more).")
        return {
            "segment_id": segment.id,
            "segment_name": segment.name,
            "filter": segment.definition,
            **extra,
        }
    try:
        segment_filter = SegmentFilter.from_json(audience.get("filter") or {})
    except (TypeError, ValueError) as exc:
        raise AudienceError(f"The audience filter is not valid: {exc}") from exc
    stored = segment_filter.to_json()
    return {"filter": stored, **extra} if stored or extra else {}


def subscribers(
    workspace_id: int, page_id: int, audience: dict[str, Any], now: datetime | None = None
) -> Select[tuple[Subscriber]]:
    """The audience's subscribers: the segment's conditions, on the broadcast's Page only."""
    now = now or utcnow()
    query = segments.query(workspace_id, segment_filter(workspace_id, audience, now), now)
    return query.where(Subscriber.page_id == page_id)


def _bucket(intent: Intent, hold_minutes: int, now: datetime) -> Any:
    hold_cutoff = now - timedelta(minutes=hold_minutes)
    outside = or_(
        Subscriber.last_inbound_at.is_(None), Subscriber.last_inbound_at < now - policy.WINDOW
    )
    return case(
        (Subscriber.unreachable.is_(True), literal("unreachable")),
        (Subscriber.subscribed.is_(False), literal("unsubscribed")),
        (Subscriber.operator_active_at > hold_cutoff, literal("held")),
        (outside, literal("outside_window" if intent == Intent.PROMOTIONAL else "tagged")),
        else_=literal("in_window"),
    )


def counts(
    page: Page,
    audience: dict[str, Any],
    intent: Intent,
    settings: policy.PolicySettings,
    now: datetime | None = None,
) -> AudienceCounts:
    """The preview of who will receive a broadcast sent now (one grouped query)."""
    now = now or utcnow()
    query = subscribers(page.workspace_id, page.id, audience, now).order_by(None)
    inner = query.with_only_columns(_bucket(intent, settings.hold_minutes, now).label("b"))
    inner = inner.subquery()
    rows = db.session.execute(select(inner.c.b, func.count()).group_by(inner.c.b)).all()
    found = dict(rows)
    total = sum(found.values())
    if not page.is_usable:
        return AudienceCounts(total, 0, 0, {"page_unavailable": total} if total else {})
    excluded = {key: found[key] for key in EXCLUSIONS if found.get(key)}
    return AudienceCounts(total, found.get("in_window", 0), found.get("tagged", 0), excluded)
