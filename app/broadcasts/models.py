"""Broadcasts: a message composed once and sent to a segment of a Page's subscribers.

A `Broadcast` holds the composed content (with personalisation placeholders), its audience and its
messaging intent. When sending starts, one `BroadcastRecipient` row per subscriber of the audience
is created in one INSERT … SELECT; each row then walks pending → sending → sent/failed/skipped
(or held for a live chat, or uncertain when a request left and no answer came back).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, utcnow
from app.core.models import Page, User, enum_column
from app.core.subscribers.models import Subscriber
from app.extensions import db


class BroadcastStatus(enum.StrEnum):
    """Where a broadcast stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def editable(self) -> bool:
        """Content, audience and time may change until sending starts."""
        return self in {BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED}

    @property
    def active(self) -> bool:
        """Started and not finished: progress is still moving (or waiting to)."""
        return self in {BroadcastStatus.SENDING, BroadcastStatus.PAUSED}


class Intent(enum.StrEnum):
    """What Meta's rules allow depends on what the message is for."""

    PROMOTIONAL = "promotional"  # reaches only people inside the 24-hour window
    UPDATE = "update"  # non-promotional, with one of the update tags outside the window


class RecipientStatus(enum.StrEnum):
    """Where one recipient of a broadcast stands."""

    PENDING = "pending"
    HELD = "held"  # an operator is chatting with the person: sent when the chat goes quiet
    SENDING = "sending"  # claimed by a sender; the request may be in flight
    SENT = "sent"
    FAILED = "failed"  # Facebook refused it (`reason`, `error_code`)
    SKIPPED = "skipped"  # the messaging policy refused it (`reason`): never sent
    UNCERTAIN = "uncertain"  # the request left and no answer came back: never re-sent


OPEN_STATUSES = frozenset({RecipientStatus.PENDING, RecipientStatus.HELD, RecipientStatus.SENDING})

# Why a broadcast was paused by Herald itself (as opposed to a person).
PAUSED_FOR_RECONNECT = "page needs reconnect"
PAUSED_FOR_PERMISSION = "page lacks the permission to message; reconnect it granting that"
# Paused for the Page's connection: resumed by itself once the Page can send again.
PAUSED_FOR_PAGE = frozenset({PAUSED_FOR_RECONNECT, PAUSED_FOR_PERMISSION})


class Broadcast(TimestampMixin, db.Model):
    """One message to a segment of one Page's subscribers, sent now or at a set time."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        Index("ix_broadcasts_workspace_id_id", "workspace_id", "id"),
        Index("ix_broadcasts_status_scheduled_at", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The composed content (see app.broadcasts.content), placeholders unrendered.
    message: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {"segment_id": 3, "filter": {...}} for a saved segment (the filter is its snapshot),
    # {"filter": {...}} for an ad-hoc one, {} for every subscriber of the Page.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    intent: Mapped[Intent] = mapped_column(enum_column(Intent), default=Intent.PROMOTIONAL)
    tag: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[BroadcastStatus] = mapped_column(
        enum_column(BroadcastStatus), default=BroadcastStatus.DRAFT
    )
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # the zone it was entered in
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set in the same transaction that creates the recipient rows: they exist exactly once.
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_recipients: Mapped[int | None] = mapped_column(Integer)

    page: Mapped[Page] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def kind(self) -> str:
        """text, media or cards."""
        return str((self.message or {}).get("kind") or "text")


class BroadcastRecipient(db.Model):
    """One subscriber of a broadcast's audience and what happened to their message."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "subscriber_id"),
        # "the next pending recipients of broadcast X, in id order", and counts by status.
        Index("ix_broadcast_recipients_next", "broadcast_id", "status", "id"),
        Index("ix_broadcast_recipients_batch_key", "batch_key"),
        Index("ix_broadcast_recipients_subscriber_id", "subscriber_id"),
        Index("ix_broadcast_recipients_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[RecipientStatus] = mapped_column(
        enum_column(RecipientStatus), default=RecipientStatus.PENDING
    )
    # Skipped: the policy's reason (outside_window, unsubscribed, ...); failed: what went wrong.
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(300))
    # Which sender claimed the row ("<lane>.<lock token>.<n>"), so a dead sender's batch is found.
    batch_key: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicks: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[int | None] = mapped_column()
    error_subcode: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    broadcast: Mapped[Broadcast] = relationship()
    subscriber: Mapped[Subscriber] = relationship()


class BroadcastFile(db.Model):
    """A file a marketer uploaded for a broadcast, served to Facebook from an unguessable URL.

    Kept in the database so every web host can serve it (no shared disk needed).
    """

    __tablename__ = "broadcast_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BroadcastAttachment(db.Model):
    """Media uploaded once per Page through `message_attachments`, reused by every send."""

    __tablename__ = "broadcast_attachments"
    __table_args__ = (UniqueConstraint("page_id", "url_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    url_hash: Mapped[str] = mapped_column(String(64))  # sha256 of type and URL
    url: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(16))
    attachment_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
