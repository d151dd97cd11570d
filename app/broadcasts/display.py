"""Times and labels as marketers read them: in a chosen time zone, in words."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from app.core.display import zone_for

RECIPIENT_LABELS = {
    "pending": "Waiting",
    "held": "Held for live chat",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "skipped": "Skipped",
    "uncertain": "Uncertain",
}
REASON_LABELS = {
    "outside_window": "Outside the 24-hour window",
    "unsubscribed": "Unsubscribed",
    "unreachable": "Unreachable",
    "operator_active": "Held for a live chat",
    "page_unavailable": "Page not connected",
    "cancelled": "Broadcast cancelled",
    "permission": "Permission missing",
    "error": "Facebook error",
    "retired_tag": "Retired tag",
    "unknown_tag": "Unknown tag",
}


class TimeError(ValueError):
    """A time that cannot be used; the message is for the marketer."""


def valid_zone(name: str) -> bool:
    """Whether `name` is a time zone Herald knows."""
    return name in zone_names()


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA time zone name, sorted (UTC first)."""
    names = sorted(
        name for name in available_timezones() if "/" in name and not name.startswith("Etc/")
    )
    return ("UTC", *names)


def parse_local(value: str, zone_name: str) -> datetime:
    """A wall-clock time typed in `zone_name` ("2026-05-14T09:30") as an aware UTC datetime."""
    if not valid_zone(zone_name):
        raise TimeError(f"“{zone_name}” is not a time zone.")
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise TimeError("Give the date and time to send it at.") from exc
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    zone = ZoneInfo(zone_name)
    local = naive.replace(tzinfo=zone)
    # A time skipped by a clock change does not survive the round trip through UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise TimeError(f"{naive:%d %b %Y %H:%M} does not exist in {zone_name} (clocks change).")
    return local.astimezone(UTC)


def local_input(value: datetime | None, zone_name: str) -> str:
    """A UTC time as the value of a datetime-local input in `zone_name`."""
    if value is None:
        return ""
    return value.astimezone(zone_for(zone_name)).strftime("%Y-%m-%dT%H:%M:%S")


def when(value: datetime | None, zone_name: str) -> str:
    """A complete time for people: "Thu 14 May 2026, 09:30 (Europe/Lisbon)"."""
    if value is None:
        return "—"
    local = value.astimezone(zone_for(zone_name))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone_name})"


def short(value: datetime | None, zone_name: str) -> str:
    """A compact time for tables: "14 May, 09:30"."""
    if value is None:
        return "—"
    local = value.astimezone(zone_for(zone_name))
    return f"{local.day} {local:%b, %H:%M}"


def percent(part: int, whole: int) -> str:
    """ "42%" (or "—" when there is nothing to compare with)."""
    return f"{part * 100 / whole:.0f}%" if whole else "—"
