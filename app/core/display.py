"""How times read in the dashboard: in the workspace's time zone, humanised for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.db import utcnow


def zone_for(name: str | None) -> tzinfo:
    """The workspace's time zone; UTC when it is unset or unknown (a typo must not break pages)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def clock(value: datetime | None, zone: tzinfo, now: datetime | None = None) -> str:
    """A short wall-clock time: "14:32" today, "tomorrow 09:10", "Tue 14 May, 14:32"."""
    if value is None:
        return "—"
    local, today = value.astimezone(zone), (now or utcnow()).astimezone(zone).date()
    time = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return time
    if days == 1:
        return f"tomorrow {time}"
    if days == -1:
        return f"yesterday {time}"
    if local.year == today.year:
        return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {time}"
    return f"{local.day} {local.strftime('%b %Y')}, {time}"


def stamp(value: datetime | None, zone: tzinfo) -> str:
    """A complete, unambiguous time for tooltips: "2025-05-14 14:32 CEST"."""
    if value is None:
        return ""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"


def countdown(value: datetime | None, now: datetime | None = None) -> str:
    """How long until `value`: "in 3 h 12 min"."""
    if value is None:
        return ""
    delta = value - (now or utcnow())
    return "now" if delta.total_seconds() <= 0 else f"in {_span(delta)}"


def ago(value: datetime | None, zone: tzinfo, now: datetime | None = None) -> str:
    """How long ago, for lists: "just now", "5 min ago", "3 h ago", "yesterday", "12 Mar"."""
    if value is None:
        return "never"
    now = now or utcnow()
    delta = now - value
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)} min ago"
    if delta < timedelta(hours=24):
        return f"{int(delta.total_seconds() // 3600)} h ago"
    local, today = value.astimezone(zone), now.astimezone(zone).date()
    days = (today - local.date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b')}"
    return f"{local.day} {local.strftime('%b %Y')}"


def day_label(value: datetime, zone: tzinfo, now: datetime | None = None) -> str:
    """A day heading for the conversation: "Today", "Yesterday", "Tuesday 14 May 2025"."""
    local, today = value.astimezone(zone).date(), (now or utcnow()).astimezone(zone).date()
    if local == today:
        return "Today"
    if (today - local).days == 1:
        return "Yesterday"
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B %Y')}"


def hour(value: datetime, zone: tzinfo) -> str:
    """The local time of day: "14:32"."""
    return value.astimezone(zone).strftime("%H:%M")


def template_helpers() -> dict[str, Any]:
    """Time helpers for templates, in the signed-in user's workspace time zone."""
    from flask import has_request_context
    from flask_login import current_user

    signed_in = has_request_context() and current_user.is_authenticated  # emails render in jobs
    zone = zone_for(current_user.workspace.timezone) if signed_in else UTC
    return {
        "clock": lambda value: clock(value, zone),
        "ago": lambda value: ago(value, zone),
        "stamp": lambda value: stamp(value, zone),
        "day_label": lambda value: day_label(value, zone),
        "hour": lambda value: hour(value, zone),
        "countdown": countdown,
    }
