"""Results of a broadcast, counted in SQL: progress, engagement, reasons, activity over time.

Delivered and read come from the outbound message rows, which the core's delivery and read
watermarks tick; clicked from tracked links and tagged payloads; "unsubscribed after" from
subscribers who said stop after their message was sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from app.broadcasts.models import OPEN_STATUSES, Broadcast, BroadcastRecipient, RecipientStatus
from app.core.db import utcnow
from app.core.messages.models import Message, MessageStatus
from app.core.spreadsheets import cell
from app.core.subscribers.models import Subscriber
from app.extensions import db

R = BroadcastRecipient
EXPORT_CHUNK = 2000
MAX_POINTS = 60


@dataclass(frozen=True)
class Results:
    """Every figure of a broadcast's results page and API."""

    total: int
    statuses: dict[str, int]
    delivered: int
    read: int
    clicked: int
    unsubscribed: int
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    failed_by_reason: dict[str, int] = field(default_factory=dict)

    def count(self, status: RecipientStatus) -> int:
        """How many recipients are in `status`."""
        return self.statuses.get(status.value, 0)

    @property
    def done(self) -> int:
        """Recipients whose outcome is known (sent, failed, skipped or uncertain)."""
        return self.total - sum(self.count(s) for s in OPEN_STATUSES)

    @property
    def progress(self) -> int:
        """Percent of recipients done (0 before any recipient exists)."""
        return int(self.done * 100 / self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (for the API)."""
        return {
            "total": self.total,
            **{status.value: self.count(status) for status in RecipientStatus},
            "delivered": self.delivered,
            "read": self.read,
            "clicked": self.clicked,
            "unsubscribed_after": self.unsubscribed,
            "skipped_by_reason": self.skipped_by_reason,
            "failed_by_reason": self.failed_by_reason,
            "progress": self.progress,
        }


@dataclass(frozen=True)
class Summary:
    """A broadcast's progress, for lists."""

    total: int
    sent: int
    done: int

    @property
    def progress(self) -> int:
        """Percent of recipients done."""
        return int(self.done * 100 / self.total) if self.total else 0


def summaries(broadcast_ids: list[int]) -> dict[int, Summary]:
    """Total, sent and done per broadcast, for many broadcasts in one grouped query."""
    if not broadcast_ids:
        return {}
    query = (
        select(R.broadcast_id, R.status, func.count())
        .where(R.broadcast_id.in_(broadcast_ids))
        .group_by(R.broadcast_id, R.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for broadcast_id, status, total in db.session.execute(query):
        counts.setdefault(broadcast_id, {})[getattr(status, "value", status)] = total
    found = {}
    for broadcast_id, by_status in counts.items():
        total = sum(by_status.values())
        waiting = sum(by_status.get(s.value, 0) for s in OPEN_STATUSES)
        found[broadcast_id] = Summary(total, by_status.get("sent", 0), total - waiting)
    return found


def _grouped(broadcast_id: int, status: RecipientStatus) -> dict[str, int]:
    query = (
        select(R.reason, func.count())
        .where(R.broadcast_id == broadcast_id, R.status == status)
        .group_by(R.reason)
    )
    return {reason or "unknown": total for reason, total in db.session.execute(query)}


def results(broadcast: Broadcast) -> Results:
    """Count everything (a few grouped queries on the recipients' index)."""
    statuses = dict(
        db.session.execute(
            select(R.status, func.count()).where(R.broadcast_id == broadcast.id).group_by(R.status)
        ).all()
    )
    statuses = {getattr(k, "value", k): v for k, v in statuses.items()}
    engaged = db.session.execute(
        select(
            func.sum(
                case(
                    (Message.status.in_([MessageStatus.DELIVERED, MessageStatus.READ]), 1), else_=0
                )
            ),
            func.sum(case((Message.status == MessageStatus.READ, 1), else_=0)),
        )
        .select_from(R)
        .join(Message, Message.id == R.message_id)
        .where(R.broadcast_id == broadcast.id, R.status == RecipientStatus.SENT)
    ).one()
    clicked = db.session.scalar(
        select(func.count()).where(R.broadcast_id == broadcast.id, R.clicked_at.is_not(None))
    )
    unsubscribed = db.session.scalar(
        select(func.count())
        .select_from(R)
        .join(Subscriber, Subscriber.id == R.subscriber_id)
        .where(
            R.broadcast_id == broadcast.id,
            R.status == RecipientStatus.SENT,
            Subscriber.subscribed.is_(False),
            Subscriber.unsubscribed_at >= R.sent_at,
        )
    )
    return Results(
        total=sum(statuses.values()),
        statuses=statuses,
        delivered=int(engaged[0] or 0),
        read=int(engaged[1] or 0),
        clicked=int(clicked or 0),
        unsubscribed=int(unsubscribed or 0),
        skipped_by_reason=_grouped(broadcast.id, RecipientStatus.SKIPPED),
        failed_by_reason=_grouped(broadcast.id, RecipientStatus.FAILED),
    )


def _epoch(column: Any) -> Any:
    """Seconds since 1970 of a timestamp column, on SQLite or PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return func.cast(func.strftime("%s", column), db.Integer)


def _step(span: timedelta) -> int:
    for seconds in (60, 300, 900, 3600, 6 * 3600, 24 * 3600):
        if span.total_seconds() / seconds <= MAX_POINTS:
            return seconds
    return 7 * 24 * 3600


def _counts_per_bucket(column: Any, start: datetime, step: int, *where: Any) -> dict[int, int]:
    bucket = func.floor((_epoch(column) - int(start.timestamp())) / step)
    query = (
        select(bucket, func.count())
        .select_from(R)
        .outerjoin(Message, Message.id == R.message_id)
        .where(column.is_not(None), *where)
        .group_by(bucket)
    )
    return {int(index): total for index, total in db.session.execute(query) if index is not None}


def timeline(broadcast: Broadcast) -> dict[str, Any]:
    """Cumulative sent, delivered, read and clicked over time, for the results chart."""
    if broadcast.started_at is None:
        return {"labels": [], "series": {}}
    start = broadcast.started_at
    end = max(utcnow(), start + timedelta(minutes=5))
    step = _step(end - start)
    points = int((end - start).total_seconds() // step) + 1
    mine = R.broadcast_id == broadcast.id
    columns = {
        "Sent": (R.sent_at, and_(mine, R.status == RecipientStatus.SENT)),
        # A read receipt without a delivery receipt still means it was delivered.
        "Delivered": (func.coalesce(Message.delivered_at, Message.read_at), mine),
        "Read": (Message.read_at, mine),
        "Clicked": (R.clicked_at, mine),
    }
    series = {}
    for name, (column, condition) in columns.items():
        counts = _counts_per_bucket(column, start, step, condition)
        running, values = 0, []
        for index in range(points):
            running += counts.get(index, 0)
            values.append(running)
        series[name] = values
    labels = [(start + timedelta(seconds=step * index)).isoformat() for index in range(points)]
    return {"labels": labels, "series": series, "step": step}


def recipients(
    broadcast: Broadcast, status: str | None = None, after: int = 0, limit: int = 50
) -> list[tuple[R, Subscriber, Message | None]]:
    """A page of recipients in id order, with their subscriber and message."""
    query = (
        select(R, Subscriber, Message)
        .join(Subscriber, Subscriber.id == R.subscriber_id)
        .outerjoin(Message, Message.id == R.message_id)
        .where(R.broadcast_id == broadcast.id, R.id > after)
        .order_by(R.id)
        .limit(limit)
    )
    if status in {s.value for s in RecipientStatus}:
        query = query.where(R.status == RecipientStatus(status))
    return list(db.session.execute(query).tuples())


EXPORT_COLUMNS = [
    "subscriber_id",
    "psid",
    "name",
    "status",
    "reason",
    "sent_at",
    "delivered_at",
    "read_at",
    "clicked_at",
    "clicks",
    "error_code",
    "error_subcode",
    "detail",
]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def export(broadcast: Broadcast) -> Iterator[str]:
    """The recipients as CSV lines, read in id-ordered chunks (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    after = 0
    while True:
        rows = recipients(broadcast, after=after, limit=EXPORT_CHUNK)
        for recipient, subscriber, message in rows:
            writer.writerow(
                [
                    subscriber.id,
                    subscriber.psid,
                    cell(subscriber.display_name),
                    recipient.status.value,
                    recipient.reason or "",
                    _iso(recipient.sent_at),
                    _iso(message.delivered_at or message.read_at) if message else "",
                    _iso(message.read_at) if message else "",
                    _iso(recipient.clicked_at),
                    recipient.clicks,
                    recipient.error_code or "",
                    recipient.error_subcode or "",
                    cell(recipient.detail),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < EXPORT_CHUNK:
            return
        after = rows[-1][0].id
        db.session.expunge_all()  # keep the session's memory flat across chunks
