"""Writing the message log from webhooks: inbound messages, echoes, deliveries and reads.

Inbound rows are keyed by Facebook's `mid`; events without one (referrals, opt-ins) get a key
built from Facebook's own fields, so a repeated delivery never adds a second row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import selectinload

from app.core import events
from app.core.db import from_epoch_ms, insert_ignore, parse_id, utcnow
from app.core.inbound import Kind, MessagingEvent
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page
from app.core.subscribers.models import Subscriber
from app.extensions import db

OUR_METADATA = "herald:"


def our_metadata(message_id: int) -> str:
    """The metadata Herald sends with its message `message_id`: the echo names the message."""
    return f"{OUR_METADATA}{message_id}"


def our_message_id(metadata: str | None) -> int | None:
    """The id of Herald's message that an echo's metadata names (None: not one of ours)."""
    text = metadata or ""
    return parse_id(text.removeprefix(OUR_METADATA)) if text.startswith(OUR_METADATA) else None


def _kind(event: MessagingEvent) -> str:
    if event.kind != Kind.MESSAGE:
        return event.kind.value
    if event.quick_reply_payload:
        return "quick_reply"
    return "attachment" if event.attachments and not event.text else "text"


def _payload(event: MessagingEvent) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if event.attachments:
        payload["attachments"] = list(event.attachments)
    if event.quick_reply_payload:
        payload["quick_reply"] = event.quick_reply_payload
    if event.postback_payload is not None:
        payload.update(payload=event.postback_payload, title=event.postback_title)
    if event.referral is not None:
        payload.update(
            ref=event.referral.ref, source=event.referral.source, ad_id=event.referral.ad_id
        )
    if event.optin_ref is not None:
        payload["ref"] = event.optin_ref
    if event.reply_to_mid:
        payload["reply_to"] = event.reply_to_mid
    if event.is_deleted:
        payload["deleted"] = True
    return payload


def event_key(event: MessagingEvent) -> str:
    """Facebook's id of the event, or one derived from its own fields when it has none."""
    return event.mid or f"{event.kind.value}:{event.psid}:{event.timestamp_ms}"


def _id_of(page: Page, mid: str) -> int:
    query = select(Message.id).where(Message.page_id == page.id, Message.mid == mid)
    return db.session.scalars(query).one()


def announce(message: Message) -> None:
    """Tell open dashboards a message was added or changed (after it is committed)."""
    events.publish(
        message.workspace_id,
        "message",
        {
            "message_id": message.id,
            "subscriber_id": message.subscriber_id,
            "direction": message.direction.value,
            "status": message.status.value,
        },
        page_id=message.page_id,
    )


def log_inbound(page: Page, subscriber: Subscriber, event: MessagingEvent) -> int | None:
    """Record what the person sent; its id, or None when it is a repeated delivery."""
    inserted = insert_ignore(
        Message.__table__,
        {
            "workspace_id": page.workspace_id,
            "page_id": page.id,
            "subscriber_id": subscriber.id,
            "direction": Direction.IN.value,
            "kind": _kind(event),
            "mid": event_key(event),
            "text": event.text or event.postback_title,
            "payload": _payload(event),
            "sent_at": from_epoch_ms(event.timestamp_ms),
            "status": MessageStatus.RECEIVED.value,
            "origin": "webhook",
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ["page_id", "mid"],
    )
    return _id_of(page, event_key(event)) if inserted else None


def log_echo(page: Page, subscriber: Subscriber, event: MessagingEvent) -> int | None:
    """Match the echo of Herald's own send by its metadata; record other senders' messages."""
    ours_id = our_message_id(event.metadata)
    if ours_id is not None:
        ours = db.session.get(Message, ours_id)
        if ours is not None and ours.page_id == page.id:
            ours.mid = ours.mid or event.mid
            if ours.status in {MessageStatus.QUEUED, MessageStatus.UNCERTAIN}:
                ours.status = MessageStatus.SENT  # Facebook has it: the send did go out
            return ours.id
    message = event.raw.get("message") or {}
    inserted = insert_ignore(
        Message.__table__,
        {
            "workspace_id": page.workspace_id,
            "page_id": page.id,
            "subscriber_id": subscriber.id,
            "direction": Direction.OUT.value,
            "kind": "attachment" if event.attachments and not event.text else "text",
            "mid": event_key(event),
            "text": event.text,
            "payload": {
                "message": {k: v for k, v in message.items() if k not in {"mid", "is_echo"}}
            },
            "sent_at": from_epoch_ms(event.timestamp_ms),
            "status": MessageStatus.SENT.value,
            "origin": "page_inbox",  # sent from Facebook's own inbox or another app
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ["page_id", "mid"],
    )
    return _id_of(page, event_key(event)) if inserted else None


def apply_watermark(subscriber: Subscriber, event: MessagingEvent) -> None:
    """Deliveries and reads cover every outbound message up to the watermark (epoch ms)."""
    at = from_epoch_ms(event.watermark_ms or 0)
    outbound = (Message.subscriber_id == subscriber.id, Message.direction == Direction.OUT)
    if event.kind == Kind.READ:
        _mark_read(at, *outbound)
        return
    covered = Message.sent_at <= at
    if event.mids:
        covered = covered | Message.mid.in_(event.mids)
    _mark_delivered(at, *outbound, covered)


def apply_known_watermarks(message_id: int, subscriber: Subscriber) -> None:
    """Apply receipts that arrived while the message was in flight (caller commits)."""
    if subscriber.delivered_watermark:
        at = from_epoch_ms(subscriber.delivered_watermark)
        _mark_delivered(at, Message.id == message_id, Message.sent_at <= at)
    if subscriber.read_watermark:
        _mark_read(from_epoch_ms(subscriber.read_watermark), Message.id == message_id)


def _mark_delivered(at: datetime, *where: ColumnElement[bool]) -> None:
    db.session.execute(
        update(Message)
        .where(*where, Message.status == MessageStatus.SENT)
        .values(status=MessageStatus.DELIVERED, delivered_at=at)
    )


def _mark_read(at: datetime, *where: ColumnElement[bool]) -> None:
    db.session.execute(
        update(Message)
        .where(*where, Message.sent_at <= at, Message.read_at.is_(None))
        .where(Message.status.in_([MessageStatus.SENT, MessageStatus.DELIVERED]))
        .values(status=MessageStatus.READ, read_at=at)
    )


def last_messages(subscriber_id: int, limit: int = 200) -> list[Message]:
    """The newest messages with a subscriber, oldest first."""
    query = (
        select(Message)
        .where(Message.subscriber_id == subscriber_id)
        .options(selectinload(Message.author))  # one query for every operator's name
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(db.session.scalars(query).all()))
