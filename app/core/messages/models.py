"""The message log: everything exchanged with a subscriber, in both directions.

Inbound rows come from webhooks; outbound rows are written by `app.core.messaging` before a send
and updated with its result, so a crash between the two never loses track of a message.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime
from app.core.models import User, enum_column
from app.core.subscribers.models import Subscriber
from app.extensions import db


class Direction(enum.StrEnum):
    """From the person to the Page, or from the Page to the person."""

    IN = "in"
    OUT = "out"


class MessageStatus(enum.StrEnum):
    """Where a message stands. Inbound messages are always RECEIVED."""

    RECEIVED = "received"
    QUEUED = "queued"  # outbound, not sent yet
    HELD = "held"  # outbound automation waiting for an operator's conversation to end
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"  # Facebook refused it; `error` says why
    REFUSED = "refused"  # the messaging policy refused it: never sent to Facebook
    UNCERTAIN = "uncertain"  # the request left but no answer came back: never re-sent blindly


class Message(TimestampMixin, db.Model):
    """One message, postback, referral or opt-in between a Page and a subscriber."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("page_id", "mid"),
        Index("ix_messages_subscriber_sent", "subscriber_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    kind: Mapped[str] = mapped_column(String(24))  # text, attachment, template, postback, ...
    mid: Mapped[str | None] = mapped_column(String(160))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus))
    messaging_type: Mapped[str | None] = mapped_column(String(24))
    tag: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(
        String(24)
    )  # webhook, livechat, broadcast, system, page_inbox
    origin_id: Mapped[int | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[int | None] = mapped_column()
    error_subcode: Mapped[int | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def summary(self) -> str:
        """A one-line description for lists and timelines."""
        if self.text:
            return self.text
        labels = {
            "postback": f"Tapped “{self.payload.get('title') or self.payload.get('payload')}”",
            "referral": f"Opened a link (ref {self.payload.get('ref')})",
            "optin": "Opted in",
            "attachment": "Sent an attachment",
            "template": "A card or buttons",
        }
        return labels.get(self.kind, self.kind)
