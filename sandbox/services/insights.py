"""Simulated ad insights: deterministic figures that grow with the time an ad delivered.

Each ad gets fixed rates derived from its id (CPM, reach ratio, CTR, share of clicks that start a
conversation); spend follows the ad set's budget over the delivered time. The same ad and date
range always give the same figures. Days are counted in the ad account's time zone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.models import Ad, AdSet
from sandbox.services import ads

DAY_MS = 24 * 3600 * 1000
CONVERSATION_ACTION = "onsite_conversion.messaging_conversation_started_7d"
LAST_N_DAYS = {"last_3d": 3, "last_7d": 7, "last_14d": 14, "last_28d": 28, "last_30d": 30}
PRESETS = ("today", "yesterday", "this_month", "maximum", *LAST_N_DAYS)


@dataclass
class Figures:
    """Counts for one ad (or a sum over ads) in one date range."""

    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    spend_minor: int = 0
    conversations: int = 0

    def add(self, other: Figures) -> None:
        """Add another ad's figures (reach is summed: the sandbox has no overlap model)."""
        self.impressions += other.impressions
        self.reach += other.reach
        self.clicks += other.clicks
        self.spend_minor += other.spend_minor
        self.conversations += other.conversations


@dataclass(frozen=True)
class Window:
    """A date range: epoch ms bounds and the dates Graph reports."""

    since: int
    until: int
    date_start: date
    date_stop: date


def _rates(ad_id: str) -> tuple[float, int, float, float, float]:
    """Pacing, CPM (minor units), reach ratio, CTR and conversation rate of an ad."""
    seed = int(hashlib.sha256(ad_id.encode()).hexdigest()[:16], 16)
    pacing = 0.85 + (seed % 15) / 100
    cpm = 500 + (seed >> 8) % 700
    reach_ratio = 0.70 + ((seed >> 20) % 20) / 100
    ctr = 0.010 + ((seed >> 28) % 20) / 1000
    conversion = 0.30 + ((seed >> 36) % 25) / 100
    return pacing, cpm, reach_ratio, ctr, conversion


def _spend_per_ms(adset: AdSet) -> float:
    if adset.daily_budget:
        return adset.daily_budget / DAY_MS
    if adset.lifetime_budget and adset.end_time:
        return adset.lifetime_budget / max(DAY_MS, adset.end_time - adset.start_time)
    return 0.0


def ad_figures(ad: Ad, adset: AdSet, window: Window) -> Figures:
    """Return the ad's figures in the window."""
    delivered = ads.delivered_ms(ad, adset, window.since, window.until)
    pacing, cpm, reach_ratio, ctr, conversion = _rates(ad.id)
    spend = int(_spend_per_ms(adset) * pacing * delivered)
    impressions = spend * 1000 // cpm
    clicks = int(impressions * ctr)
    return Figures(
        impressions=impressions,
        reach=int(impressions * reach_ratio),
        clicks=clicks,
        spend_minor=spend,
        conversations=int(clicks * conversion),
    )


def zone(name: str) -> ZoneInfo:
    """Return the account's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), tz).timestamp() * 1000)


def window_for(preset: str, now: int, tz: ZoneInfo, earliest: int | None) -> Window:
    """Return the window of a ``date_preset`` (``last_Nd`` end yesterday, as Graph counts)."""
    today = datetime.fromtimestamp(now / 1000, tz).date()
    start_of_today = _midnight(today, tz)
    if preset == "today":
        return Window(start_of_today, now, today, today)
    if preset == "yesterday":
        day = today - timedelta(days=1)
        return Window(_midnight(day, tz), start_of_today, day, day)
    if preset == "this_month":
        first = today.replace(day=1)
        return Window(_midnight(first, tz), now, first, today)
    if preset == "maximum":
        first = datetime.fromtimestamp((earliest or now) / 1000, tz).date()
        return Window(_midnight(first, tz), now, first, today)
    days = LAST_N_DAYS[preset]
    first = today - timedelta(days=days)
    return Window(_midnight(first, tz), start_of_today, first, today - timedelta(days=1))


def window_between(since: date, until: date, now: int, tz: ZoneInfo) -> Window:
    """Return the window of a ``time_range`` (both days included)."""
    return Window(
        _midnight(since, tz), min(now, _midnight(until + timedelta(days=1), tz)), since, until
    )


def row(figures: Figures) -> dict[str, object]:
    """Return the figures as Graph's insights row values (numbers as strings)."""
    spend = figures.spend_minor / 100
    values: dict[str, object] = {
        "impressions": str(figures.impressions),
        "reach": str(figures.reach),
        "clicks": str(figures.clicks),
        "spend": f"{spend:.2f}",
        "cpm": f"{spend * 1000 / figures.impressions:.6f}" if figures.impressions else None,
        "ctr": f"{figures.clicks * 100 / figures.impressions:.6f}" if figures.impressions else None,
        "cpc": f"{spend / figures.clicks:.6f}" if figures.clicks else None,
        "frequency": f"{figures.impressions / figures.reach:.6f}" if figures.reach else None,
    }
    if figures.conversations:
        values["actions"] = [
            {"action_type": "link_click", "value": str(figures.clicks)},
            {"action_type": CONVERSATION_ACTION, "value": str(figures.conversations)},
        ]
        values["cost_per_action_type"] = [
            {"action_type": "link_click", "value": f"{spend / figures.clicks:.6f}"},
            {
                "action_type": CONVERSATION_ACTION,
                "value": f"{spend / figures.conversations:.6f}",
            },
        ]
    return values
