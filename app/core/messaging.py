"""Sending one message to one subscriber: store it, ask the policy, pace it, send it, record it.

The row is written before the call and marked UNCERTAIN while the request is in flight, so a
worker that dies mid-send leaves a message that is never sent again blindly. Rate limits and
transient failures put it back in the queue; a dead token pauses it until the Page is reconnected.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from redis import RedisError
from sqlalchemy import func, select, update

from app.core import content, policy
from app.core.db import utcnow
from app.core.facebook import PageUnavailable, graph_for, react_to
from app.core.graph import (
    GraphError,
    OutsideWindow,
    RateLimited,
    Recipient,
    RecipientUnavailable,
    SendResult,
    TokenInvalid,
    TransientError,
)
from app.core.messages.log import announce, apply_known_watermarks, our_metadata
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page, PageStatus, User
from app.core.queue import SENDS, enqueue, work_id
from app.core.ratelimit import PageBucket, pace_for
from app.core.scheduling import register_sweep
from app.core.subscribers import store
from app.core.subscribers.importer import queue_window_refresh
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client

log = logging.getLogger(__name__)

TRANSIENT_RETRIES = 5


def kind_of(message: dict[str, Any]) -> str:
    """A short name for what a Send API message object holds."""
    attachment = message.get("attachment") or {}
    if attachment.get("type") == "template":
        return "template"
    return "attachment" if attachment else "text"


def queue_message(
    subscriber: Subscriber,
    message: dict[str, Any],
    *,
    origin: str,
    sender: policy.Sender = policy.Sender.AUTOMATION,
    purpose: policy.Purpose = policy.Purpose.REPLY,
    tag: str | None = None,
    author: User | None = None,
    origin_id: int | None = None,
) -> Message:
    """Validate and store an outbound message, then queue its delivery. Commits.

    Raises content.ContentError for content Messenger would refuse (nothing is stored then).
    """
    content.validate(message)
    row = Message(
        workspace_id=subscriber.workspace_id,
        page_id=subscriber.page_id,
        subscriber_id=subscriber.id,
        direction=Direction.OUT,
        kind=kind_of(message),
        text=message.get("text"),
        payload={"message": message, "sender": sender.value, "purpose": purpose.value, "tag": tag},
        sent_at=utcnow(),
        status=MessageStatus.QUEUED,
        origin=origin,
        origin_id=origin_id,
        author=author,
    )
    db.session.add(row)
    db.session.commit()
    announce(row)
    try:
        schedule_delivery(row.id)
    except RedisError as exc:  # stored and queued: the requeue sweep will send it
        log.warning("message %s stored but its delivery not queued: %s", row.id, exc)
    return row


def schedule_delivery(
    message_id: int, delay: timedelta | None = None, *, attempt: str | None = None
) -> None:
    """Queue (once per `attempt`) the delivery job of a stored message.

    A retry scheduled from inside the running job needs its own id: the running job still holds
    the plain one. Two jobs for one message are harmless: sending claims the row atomically.
    """
    parts = [message_id] if attempt is None else [message_id, attempt]
    enqueue(
        "app.core.messaging.deliver_message",
        message_id,
        queue=SENDS,
        job_id=work_id("message", *parts),
        delay=delay,
    )


def deliver_message(message_id: int) -> None:
    """Job: send a queued message if the policy allows it now. Safe to run twice."""
    row = db.session.get(Message, message_id)
    if row is None or row.status not in {MessageStatus.QUEUED, MessageStatus.HELD}:
        return
    subscriber, page = row.subscriber, db.session.get(Page, row.page_id)
    settings = policy.settings_for(page.workspace)
    decision = policy.decide(
        subscriber,
        sender=policy.Sender(row.payload["sender"]),
        purpose=policy.Purpose(row.payload["purpose"]),
        tag=row.payload.get("tag"),
        settings=settings,
    )
    if decision.held:
        _hold(row, decision.held_until)
    elif decision.reason == "page_unavailable":
        _requeue(row)  # the sweep sends it once the Page is reconnected
    elif not decision.allowed:
        _finish(row, MessageStatus.REFUSED, error=decision.explanation)
    else:
        _send(row, subscriber, page, decision, settings)


def _hold(row: Message, until: datetime) -> None:
    row.status = MessageStatus.HELD
    row.updated_at = utcnow()  # the sweep looks again only at long-held messages
    db.session.commit()
    announce(row)
    schedule_delivery(row.id, delay=until - utcnow(), attempt=f"held{int(until.timestamp())}")


def _claim(row: Message, decision: policy.Decision, settings: policy.PolicySettings) -> bool:
    """Mark the message in flight, atomically: only one worker may send it.

    A Human Agent reply also takes one of the subscriber's Human Agent slots in the same
    transaction, so two operators replying at once cannot both use the last one.
    """
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == row.id, Message.status.in_([MessageStatus.QUEUED, MessageStatus.HELD]))
        .values(
            status=MessageStatus.UNCERTAIN,  # a crash from here on must not resend it
            messaging_type=decision.messaging_type,
            tag=decision.tag,
            # Before the call: Facebook's delivery watermarks must cover it once it arrives.
            sent_at=utcnow(),
            updated_at=utcnow(),
        )
    ).rowcount
    if claimed == 1 and decision.tag == policy.HUMAN_AGENT:
        reserved = db.session.execute(
            update(Subscriber)
            .where(
                Subscriber.id == row.subscriber_id,
                Subscriber.human_agent_replies < settings.human_agent_replies,
            )
            .values(human_agent_replies=Subscriber.human_agent_replies + 1)
        ).rowcount
        if reserved != 1:
            db.session.rollback()
            _finish(row, MessageStatus.REFUSED, error=policy.EXPLANATIONS["human_agent_used"])
            return False
    db.session.commit()
    db.session.refresh(row)
    if claimed == 1:
        announce(row)
    return claimed == 1


def _release_human_agent(row: Message) -> None:
    """Give back the Human Agent slot of a reply that certainly did not reach the person."""
    if row.tag == policy.HUMAN_AGENT:
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id == row.subscriber_id, Subscriber.human_agent_replies > 0)
            .values(human_agent_replies=Subscriber.human_agent_replies - 1)
        )


def _send(
    row: Message,
    subscriber: Subscriber,
    page: Page,
    decision: policy.Decision,
    settings: policy.PolicySettings,
) -> None:
    bucket = PageBucket(
        redis_client.client, page.id, pace_for(current_app.config["SEND_RATE_LIMIT"])
    )
    wait = bucket.try_take(1)
    if wait > 0:
        # The Page's budget is spent for now: come back when it is not, without holding a worker.
        due = time.time() + wait
        schedule_delivery(row.id, delay=timedelta(seconds=wait), attempt=f"paced{int(due * 1000)}")
        return
    if not _claim(row, decision, settings):
        return
    message = {**row.payload["message"], "metadata": our_metadata(row.id)}
    try:
        result = graph_for(page).send_message(
            page.facebook_page_id,
            Recipient.psid(subscriber.psid),
            message,
            messaging_type=row.messaging_type or "RESPONSE",
            tag=row.tag,
        )
    except PageUnavailable:
        _release_human_agent(row)
        _requeue(row)
    except GraphError as exc:
        _failed(row, subscriber, page, exc, bucket)
    else:
        _sent(row, subscriber, result)


def _sent(row: Message, subscriber: Subscriber, result: SendResult) -> None:
    """Record the send, with any delivery or read receipt that overtook Facebook's answer."""
    db.session.execute(
        update(Message)
        .where(Message.id == row.id)
        .values(mid=func.coalesce(Message.mid, result.message_id), error=None, updated_at=utcnow())
    )
    db.session.execute(
        update(Message)
        .where(Message.id == row.id, Message.status == MessageStatus.UNCERTAIN)
        .values(status=MessageStatus.SENT)
    )
    db.session.refresh(subscriber, ["delivered_watermark", "read_watermark"])
    apply_known_watermarks(row.id, subscriber)
    store.record_outbound(subscriber, row.sent_at)
    db.session.commit()
    db.session.refresh(row)
    announce(row)


def _failed(
    row: Message, subscriber: Subscriber, page: Page, exc: GraphError, bucket: PageBucket
) -> None:
    if isinstance(exc, TransientError) and exc.maybe_delivered:
        _finish(row, MessageStatus.UNCERTAIN, exc)  # it may have reached the person: never resend
        return
    _release_human_agent(row)  # Facebook refused it: the reply was not used
    if isinstance(exc, RateLimited):
        bucket.pause(exc.retry_after)
        _requeue(row, delay=timedelta(seconds=exc.retry_after))
        return
    if isinstance(exc, TransientError):
        attempts = int(row.payload.get("attempts", 0)) + 1
        if attempts <= TRANSIENT_RETRIES:
            row.payload = {**row.payload, "attempts": attempts}
            _requeue(row, delay=timedelta(seconds=2**attempts))
            return
    if isinstance(exc, TokenInvalid):
        react_to(page, exc)
        _requeue(row)  # waits for the Page to be reconnected
        return
    if isinstance(exc, RecipientUnavailable):
        store.mark_unreachable(subscriber.id, exc.message)
    elif isinstance(exc, OutsideWindow):
        log.error(
            "policy allowed a send Facebook refused as outside the window: message %s", row.id
        )
        queue_window_refresh(subscriber.id)
    react_to(page, exc, "pages_messaging")
    _finish(row, MessageStatus.FAILED, exc)


def _requeue(row: Message, delay: timedelta | None = None) -> None:
    row.status = MessageStatus.QUEUED
    attempt = int(row.payload.get("requeues", 0)) + 1
    row.payload = {**row.payload, "requeues": attempt}
    db.session.commit()
    announce(row)
    if delay is not None:
        schedule_delivery(row.id, delay=delay, attempt=f"r{attempt}")


def _finish(
    row: Message, status: MessageStatus, exc: GraphError | None = None, error: str | None = None
) -> None:
    row.status = status
    row.error = error or (exc.message if exc else None)
    row.error_code = exc.code if exc else None
    row.error_subcode = exc.subcode if exc else None
    db.session.commit()
    announce(row)


@register_sweep("requeue-messages", seconds=60)
def requeue_waiting_messages() -> None:
    """Queue again messages left waiting: a lost job, a Page reconnected since, a lost hold."""
    now = utcnow()
    waiting = (Message.status == MessageStatus.QUEUED) & (
        Message.updated_at < now - timedelta(minutes=2)
    )
    # A held message has its own delayed job; look again only if it has waited long (lost job).
    held = (Message.status == MessageStatus.HELD) & (
        Message.updated_at < now - timedelta(minutes=30)
    )
    query = (
        select(Message.id)
        .join(Page, Page.id == Message.page_id)
        .where(Message.direction == Direction.OUT, waiting | held)
        .where(Page.status == PageStatus.CONNECTED)
        .limit(1000)
    )
    for message_id in db.session.scalars(query):
        schedule_delivery(message_id)
