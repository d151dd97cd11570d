"""Subscribers: the people who message a Page, one row per (Page, PSID).

Only `app.core.subscribers` writes these rows. A PSID is Facebook's page-scoped id for a person:
the same person has a different PSID on each Page.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime
from app.core.models import Page, enum_column
from app.extensions import db


class Source(enum.StrEnum):
    """How a subscriber first reached the Page."""

    ORGANIC = "organic"  # wrote to the Page
    LINK = "link"  # an m.me link with a ref (growth links)
    COMMENT = "comment"  # answered a private reply to their comment
    PHONE_INVITE = "phone_invite"  # customer matching by phone number
    AD = "ad"  # a click-to-Messenger ad
    PLUGIN = "plugin"  # a chat plugin or checkbox on a website
    IMPORT = "import"  # an existing conversation imported when the Page was connected


# How each source reads in the dashboard.
SOURCE_LABELS = {
    Source.ORGANIC.value: "Wrote to the Page",
    Source.LINK.value: "Growth link",
    Source.COMMENT.value: "Comment reply",
    Source.PHONE_INVITE.value: "Phone invite",
    Source.AD.value: "Click-to-Messenger ad",
    Source.PLUGIN.value: "Website plugin",
    Source.IMPORT.value: "Imported",
}


class ProfileStatus(enum.StrEnum):
    """Whether the subscriber's name and picture could be read from Facebook."""

    PENDING = "pending"
    FETCHED = "fetched"
    UNAVAILABLE = "unavailable"


class Subscriber(TimestampMixin, db.Model):
    """A person who messaged a Page (or was invited and answered)."""

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("page_id", "psid"),
        Index("ix_subscribers_page_last_inbound", "page_id", "last_inbound_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    psid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    profile_pic: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16))
    profile_status: Mapped[ProfileStatus] = mapped_column(
        enum_column(ProfileStatus), default=ProfileStatus.PENDING
    )
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[Source] = mapped_column(enum_column(Source), default=Source.ORGANIC)
    ref: Mapped[str | None] = mapped_column(String(250), index=True)
    phone_number: Mapped[str | None] = mapped_column(String(32))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The 24-hour clock: the person's last message, postback, opt-in or referral.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # HUMAN_AGENT replies sent since the person last wrote (the policy allows a set number).
    human_agent_replies: Mapped[int] = mapped_column(default=0)
    # When an operator last worked on this conversation: automation holds back meanwhile.
    operator_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subscribed: Mapped[bool] = mapped_column(default=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable: Mapped[bool] = mapped_column(default=False)
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Millisecond watermarks of delivery and read webhooks: all up to them arrived / was read.
    delivered_watermark: Mapped[int | None] = mapped_column(BigInteger)
    read_watermark: Mapped[int | None] = mapped_column(BigInteger)

    page: Mapped[Page] = relationship()
    tags: Mapped[list[SubscriberTag]] = relationship(
        cascade="all, delete-orphan", order_by="SubscriberTag.tag"
    )
    fields: Mapped[list[SubscriberField]] = relationship(
        cascade="all, delete-orphan", order_by="SubscriberField.name"
    )

    @property
    def display_name(self) -> str:
        """The best name Facebook gave us, or a neutral label while it is unknown."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return self.name or full or f"Subscriber {self.psid[-4:]}"

    @property
    def tag_names(self) -> list[str]:
        """The subscriber's tags, sorted."""
        return [tag.tag for tag in self.tags]

    @property
    def field_values(self) -> dict[str, str]:
        """Custom fields as a dict."""
        return {field.name: field.value for field in self.fields}


class SubscriberTag(db.Model):
    """A label on a subscriber ("vip", "coffee-lover"), for segments."""

    __tablename__ = "subscriber_tags"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class SubscriberField(db.Model):
    """A custom field value on a subscriber ("city" = "Lisbon"), for segments and messages."""

    __tablename__ = "subscriber_fields"
    __table_args__ = (Index("ix_subscriber_fields_name_value", "name", "value"),)

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
