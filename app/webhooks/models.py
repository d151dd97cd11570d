"""Webhook deliveries from Facebook, stored raw before they are acknowledged."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.core.models import enum_column
from app.extensions import db


class EventStatus(enum.StrEnum):
    """Processing state of a stored delivery."""

    RECEIVED = "received"  # stored and queued; not processed yet
    PROCESSED = "processed"
    FAILED = "failed"  # a handler raised; the sweep retries it
    MALFORMED = "malformed"  # not JSON, or not a shape Herald knows: kept for inspection


class WebhookEvent(db.Model):
    """One POST from Facebook: the raw body exactly as signed, and what became of it."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus), default=EventStatus.RECEIVED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)  # messaging/changes items found in it
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
