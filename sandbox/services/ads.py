"""The lifecycle of ad objects: configured and effective status, review and delivery periods.

An ad delivers while it, its ad set and its campaign are all ACTIVE and its review is over. The
review starts the first time the ad is turned on and lasts ``ad_review_seconds``. Each period of
delivery is kept on the ad, so insights for any date range are computed from what happened.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.models import Ad, AdSet, Campaign

CONFIGURED_STATUSES = ("ACTIVE", "PAUSED", "ARCHIVED", "DELETED")
CREATE_STATUSES = ("ACTIVE", "PAUSED")


def _parent_blocks(status: str, paused_name: str) -> str | None:
    if status == "ACTIVE":
        return None
    return paused_name if status == "PAUSED" else status


def adset_effective_status(adset: AdSet, campaign: Campaign) -> str:
    """ACTIVE, the ad set's own status, or CAMPAIGN_PAUSED when the campaign is paused."""
    if adset.status != "ACTIVE":
        return adset.status
    return _parent_blocks(campaign.status, "CAMPAIGN_PAUSED") or "ACTIVE"


def ad_effective_status(ad: Ad, adset: AdSet, campaign: Campaign, now: int) -> str:
    """The ad's status as it actually delivers: paused parents, then review, then ACTIVE."""
    if ad.status != "ACTIVE":
        return ad.status
    blocked = _parent_blocks(campaign.status, "CAMPAIGN_PAUSED") or _parent_blocks(
        adset.status, "ADSET_PAUSED"
    )
    if blocked:
        return blocked
    if ad.review_ends_at is not None and now < ad.review_ends_at:
        return "PENDING_REVIEW"
    return "ACTIVE"


def is_running(ad: Ad, adset: AdSet, campaign: Campaign) -> bool:
    """Whether the advertiser has the ad, its ad set and its campaign all turned on."""
    return ad.status == adset.status == campaign.status == "ACTIVE"


def _sync_delivery(ad: Ad, adset: AdSet, campaign: Campaign, now: int, review_ms: int) -> None:
    if ad.status == "ACTIVE" and ad.review_ends_at is None:
        ad.review_ends_at = now + review_ms
    periods = [list(p) for p in ad.delivery or []]
    is_open = bool(periods) and periods[-1][1] == 0
    if is_running(ad, adset, campaign):
        if not is_open:
            periods.append([max(now, ad.review_ends_at or now), 0])
    elif is_open:
        if periods[-1][0] >= now:
            periods.pop()  # stopped before review ended: it never delivered
        else:
            periods[-1][1] = now
    ad.delivery = periods  # reassigned: JSON columns do not track in-place changes


def refresh(
    session: Session,
    now: int,
    review_seconds: float,
    *,
    campaign_id: str | None = None,
    adset_id: str | None = None,
    ad_id: str | None = None,
) -> None:
    """Bring the delivery periods of the ads under a changed object up to date."""
    query = select(Ad)
    if ad_id is not None:
        query = query.where(Ad.id == ad_id)
    elif adset_id is not None:
        query = query.where(Ad.adset_id == adset_id)
    elif campaign_id is not None:
        query = query.where(Ad.campaign_id == campaign_id)
    review_ms = int(review_seconds * 1000)
    for ad in session.scalars(query):
        adset = session.get(AdSet, ad.adset_id)
        campaign = session.get(Campaign, ad.campaign_id)
        assert adset is not None
        assert campaign is not None
        _sync_delivery(ad, adset, campaign, now, review_ms)


def delivered_ms(ad: Ad, adset: AdSet, since: int, until: int) -> int:
    """Milliseconds the ad delivered within ``[since, until)``, within the ad set's schedule."""
    low = max(since, adset.start_time)
    high = min(until, adset.end_time) if adset.end_time else until
    total = 0
    for start, end in ad.delivery or []:
        total += max(0, min(high, end or high) - max(low, start))
    return total


def first_delivery(ad: Ad) -> int | None:
    """When the ad first delivered (epoch ms), if it ever did."""
    return ad.delivery[0][0] if ad.delivery else None
