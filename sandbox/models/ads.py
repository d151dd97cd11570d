"""The Marketing API's objects: campaigns, ad sets, ad creatives and ads of an ad account.

``status`` is what the advertiser set (ACTIVE, PAUSED, ARCHIVED, DELETED); the effective status
(review, paused parents) is computed from it, the parents and the clock, never stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base


class Campaign(Base):
    """A campaign: the objective and the special ad categories."""

    __tablename__ = "ad_campaigns"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(400))
    objective: Mapped[str] = mapped_column(String(40))
    special_ad_categories: Mapped[list[str]] = mapped_column(default=list)
    buying_type: Mapped[str] = mapped_column(String(16), default="AUCTION")
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[int]  # epoch ms
    updated_at: Mapped[int]


class AdSet(Base):
    """An ad set: budget, bidding, optimization, destination, promoted Page and targeting."""

    __tablename__ = "ad_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[str] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16))
    daily_budget: Mapped[int | None]  # minor units of the account currency
    lifetime_budget: Mapped[int | None]
    billing_event: Mapped[str] = mapped_column(String(32))
    optimization_goal: Mapped[str] = mapped_column(String(40))
    destination_type: Mapped[str | None] = mapped_column(String(32))
    bid_strategy: Mapped[str] = mapped_column(String(40))
    bid_amount: Mapped[int | None]
    promoted_object: Mapped[dict[str, Any]] = mapped_column(default=dict)
    targeting: Mapped[dict[str, Any]] = mapped_column(default=dict)
    start_time: Mapped[int]  # epoch ms
    end_time: Mapped[int | None]
    created_at: Mapped[int]
    updated_at: Mapped[int]


class AdCreative(Base):
    """An ad creative; creating one from ``object_story_spec`` makes an unpublished Page post."""

    __tablename__ = "ad_creatives"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(400))
    page_id: Mapped[str] = mapped_column(String(32))
    object_story_spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    post_id: Mapped[str] = mapped_column(String(64))  # effective_object_story_id
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    created_at: Mapped[int]


class Ad(Base):
    """An ad: an ad set plus a creative.

    ``review_ends_at`` is set the first time the ad is turned on; until then it is in review.
    ``delivery`` lists the periods it delivered, ``[start_ms, end_ms]`` (``end_ms`` 0 while
    open): insights are computed from them, so any date range gives consistent figures.
    """

    __tablename__ = "ads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ad_accounts.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[str] = mapped_column(String(32), index=True)
    adset_id: Mapped[str] = mapped_column(ForeignKey("ad_sets.id", ondelete="CASCADE"))
    creative_id: Mapped[str] = mapped_column(ForeignKey("ad_creatives.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16))
    review_ends_at: Mapped[int | None]
    delivery: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[int]
    updated_at: Mapped[int]
