"""Claiming the next batch of a broadcast: atomically, decided by the policy, stored before sending.

One short transaction per batch: take the next pending rows in id order (SKIP LOCKED on
PostgreSQL; SQLite's write lock serialises it), ask `policy.decide` for each, skip or hold those it
refuses, put back any allowed beyond the batch size, render the rest and store their outbound
Message rows as UNCERTAIN. Once committed, a crash can only leave that one batch uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import load_only

from app.broadcasts import content as composed
from app.broadcasts import media, render
from app.broadcasts.models import Broadcast, BroadcastRecipient, Intent, RecipientStatus
from app.broadcasts.personalize import custom_fields_used, values_for
from app.core import policy
from app.core.db import utcnow
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.messaging import kind_of
from app.core.models import Page
from app.core.subscribers.models import Subscriber, SubscriberField
from app.extensions import db

CLAIM_WINDOW = 50  # rows decided per claim: skipped people never cost a send
R = BroadcastRecipient
SUBSCRIBER_COLUMNS = (
    Subscriber.id,
    Subscriber.workspace_id,
    Subscriber.page_id,
    Subscriber.psid,
    Subscriber.name,
    Subscriber.first_name,
    Subscriber.last_name,
    Subscriber.last_inbound_at,
    Subscriber.operator_active_at,
    Subscriber.subscribed,
    Subscriber.unreachable,
    Subscriber.human_agent_replies,
)


@dataclass(frozen=True)
class Item:
    """One message of a batch, stored and ready to send."""

    recipient_id: int
    subscriber_id: int
    psid: str
    message_id: int
    message: dict[str, Any]
    messaging_type: str
    tag: str | None
    attempts: int


@dataclass
class Batch:
    """What one claim produced: the messages to send now, and whether the Page was unusable."""

    key: str
    sent_at: datetime  # as stored on the batch's messages, before the call
    items: list[Item] = field(default_factory=list)
    page_unavailable: bool = False


def _claim_rows(broadcast_id: int, key: str, now: datetime) -> list[tuple[R, Subscriber]]:
    next_ids = (
        select(R.id)
        .where(R.broadcast_id == broadcast_id, R.status == RecipientStatus.PENDING)
        .order_by(R.id)
        .limit(CLAIM_WINDOW)
        .with_for_update(skip_locked=True)  # PostgreSQL: concurrent senders take disjoint rows
    )
    db.session.execute(
        update(R)
        .where(R.id.in_(next_ids.scalar_subquery()), R.status == RecipientStatus.PENDING)
        .values(status=RecipientStatus.SENDING, batch_key=key, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    query = (
        select(R, Subscriber)
        .join(Subscriber, Subscriber.id == R.subscriber_id)
        .where(R.batch_key == key, R.status == RecipientStatus.SENDING)
        .order_by(R.id)
        # Only what the policy and personalisation read: a batch loads fifty of each.
        .options(load_only(R.id, R.subscriber_id, R.attempts, R.status))
        .options(load_only(*SUBSCRIBER_COLUMNS))
    )
    return list(db.session.execute(query).tuples())


def _set(ids: list[int], **values: Any) -> None:
    if ids:
        db.session.execute(
            update(R)
            .where(R.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _fields(subscriber_ids: list[int], names: set[str]) -> dict[int, dict[str, str]]:
    if not names or not subscriber_ids:
        return {}
    rows = db.session.execute(
        select(SubscriberField.subscriber_id, SubscriberField.name, SubscriberField.value).where(
            SubscriberField.subscriber_id.in_(subscriber_ids), SubscriberField.name.in_(names)
        )
    )
    found: dict[int, dict[str, str]] = {}
    for subscriber_id, name, value in rows:
        found.setdefault(subscriber_id, {})[name] = value
    return found


def _store_messages(
    broadcast: Broadcast,
    page: Page,
    chosen: list[tuple[R, Subscriber, policy.Decision]],
    now: datetime,
) -> list[Item]:
    content = broadcast.message
    names = custom_fields_used(*composed.templates_of(content))
    fields = _fields([subscriber.id for _r, subscriber, _d in chosen], names)
    payload = media.media_payload(page, content) if content.get("kind") == "media" else {}
    base_url = current_app.config["PUBLIC_URL"]
    rendered = []
    for recipient, subscriber, _decision in chosen:
        values = values_for(subscriber, fields.get(subscriber.id))
        target = render.Target(broadcast.id, base_url, recipient.id, media_payload=payload)
        rendered.append(render.message(content, values, target))
    rows = [
        {
            "workspace_id": broadcast.workspace_id,
            "page_id": page.id,
            "subscriber_id": subscriber.id,
            "direction": Direction.OUT.value,
            "kind": kind_of(message),
            "text": render.text_of(message),
            "payload": {
                "message": message,
                "sender": "automation",
                "purpose": "proactive",
                "tag": decision.tag,
                "broadcast_id": broadcast.id,
            },
            "sent_at": now,  # before the call: delivery watermarks must cover it
            "status": MessageStatus.UNCERTAIN.value,  # in flight: never re-sent blindly
            "messaging_type": decision.messaging_type,
            "tag": decision.tag,
            "origin": "broadcast",
            "origin_id": broadcast.id,
            "created_at": now,
            "updated_at": now,
        }
        for (_r, subscriber, decision), message in zip(chosen, rendered, strict=True)
    ]
    table = Message.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    message_ids = list(db.session.execute(statement, rows).scalars())
    db.session.execute(
        update(R.__table__)
        .where(R.__table__.c.id == bindparam("recipient"))
        .values(message_id=bindparam("message")),
        [
            {"recipient": r.id, "message": m}
            for (r, _s, _d), m in zip(chosen, message_ids, strict=True)
        ],
    )
    return [
        Item(r.id, s.id, s.psid, m, message, d.messaging_type or "UPDATE", d.tag, r.attempts)
        for (r, s, d), m, message in zip(chosen, message_ids, rendered, strict=True)
    ]


def claim(broadcast: Broadcast, page: Page, key: str, size: int) -> Batch | None:
    """Claim, decide and store the next batch (None when nothing is pending). Commits."""
    now = utcnow()
    rows = _claim_rows(broadcast.id, key, now)
    if not rows:
        db.session.commit()
        return None
    settings = policy.settings_for(page.workspace)
    tag = broadcast.tag if broadcast.intent == Intent.UPDATE else None
    batch = Batch(key, now)
    chosen: list[tuple[R, Subscriber, policy.Decision]] = []
    back: list[int] = []
    skipped: dict[str, list[int]] = {}
    for recipient, subscriber in rows:
        decision = policy.decide(
            subscriber,
            sender=policy.Sender.AUTOMATION,
            purpose=policy.Purpose.PROACTIVE,
            tag=tag,
            settings=settings,
            now=now,
        )
        if decision.allowed and len(chosen) < size:
            chosen.append((recipient, subscriber, decision))
        elif decision.allowed:
            back.append(recipient.id)  # beyond this batch: stays pending for the next one
        elif decision.held:
            _set(
                [recipient.id],
                status=RecipientStatus.HELD,
                held_until=decision.held_until,
                batch_key=None,
            )
        elif decision.reason == "page_unavailable":
            back.append(recipient.id)
            batch.page_unavailable = True
        else:
            skipped.setdefault(decision.reason or "refused", []).append(recipient.id)
    _set(back, status=RecipientStatus.PENDING, batch_key=None, claimed_at=None)
    for reason, ids in skipped.items():
        _set(ids, status=RecipientStatus.SKIPPED, reason=reason, batch_key=None)
    if chosen and not batch.page_unavailable:
        batch.items = _store_messages(broadcast, page, chosen, now)
    elif chosen:
        _set([r.id for r, _s, _d in chosen], status=RecipientStatus.PENDING, batch_key=None)
    db.session.commit()
    return batch


def release(batch: Batch) -> None:
    """Put a batch that was never sent back to pending and forget its messages. Commits."""
    recipient_ids = [item.recipient_id for item in batch.items]
    _set(recipient_ids, status=RecipientStatus.PENDING, batch_key=None, message_id=None)
    forget_messages([item.message_id for item in batch.items])
    db.session.commit()


def forget_messages(message_ids: list[int]) -> None:
    """Delete outbound rows of messages that were never sent (caller commits)."""
    if message_ids:
        db.session.execute(delete(Message).where(Message.id.in_(message_ids)))
