"""The sandbox's own bookkeeping: webhook events and deliveries, call log, violations, faults."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base


class WebhookEvent(Base):
    """One event for one app: a Page webhook entry, or a deauthorize/data-deletion callback.

    ``state`` is pending (due at ``available_at``), inflight, delivered or given_up.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_due", "state", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32))
    page_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="page")  # page|deauthorize|data_deletion
    field: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]]  # the entry object (page) or the callback's form fields
    created_at: Mapped[int]
    available_at: Mapped[int]
    attempts: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    last_result: Mapped[str | None] = mapped_column(String(80))


class WebhookDelivery(Base):
    """One HTTP POST of one or more events to an app's callback, with its outcome."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_ids: Mapped[list[int]]
    attempts: Mapped[list[int]]  # the attempt number of each event, same order
    fields: Mapped[list[str]]
    result: Mapped[str] = mapped_column(String(80))  # delivered | failed:503 | timeout | ...
    status_code: Mapped[int | None]
    duplicate: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str]
    created_at: Mapped[int]
    duration_ms: Mapped[int]


class WebhookHealth(Base):
    """How an app's webhook endpoint has been doing, and whether Meta gave up on it.

    Consecutive failed delivery rounds and the time the failures began; past the limits the app
    is unsubscribed from its Pages (``disabled_at``, ``disabled_page_ids``), as Meta does.
    """

    __tablename__ = "webhook_health"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[int | None]  # epoch ms of the first failure of the current run
    last_result: Mapped[str | None] = mapped_column(String(80))
    last_attempt_at: Mapped[int | None]
    disabled_at: Mapped[int | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    disabled_page_ids: Mapped[list[str]] = mapped_column(default=list)


class CallRecord(Base):
    """One Graph API call (a batch's operations each get their own record)."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int]
    error_code: Mapped[int | None]
    error_subcode: Mapped[int | None]
    page_id: Mapped[str | None] = mapped_column(String(32), index=True)
    app_id: Mapped[str | None] = mapped_column(String(32))
    batch: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[int]
    duration_ms: Mapped[float]


class Violation(Base):
    """A Graph call refused by a messaging rule."""

    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    page_id: Mapped[str | None] = mapped_column(String(32), index=True)
    recipient: Mapped[str | None] = mapped_column(String(500))
    messaging_type: Mapped[str | None] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[int]
    subcode: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[int]


class Fault(Base):
    """An injected fault that the next ``remaining`` matching calls or deliveries suffer."""

    __tablename__ = "faults"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    page_id: Mapped[str | None] = mapped_column(String(32))
    remaining: Mapped[int]
    permission: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[int]


class Setting(Base):
    """A persisted setting (and internal values such as the dialog's session secret)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any]
