"""What broadcasts learn from webhooks: taps on their reply buttons, and echoes of their sends.

Registered after the subscriber store's handlers, which have already written the subscriber and
the message log (an echo has matched our outbound row by its metadata by then).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from app.broadcasts import lifecycle, links
from app.broadcasts.models import Broadcast, BroadcastRecipient, RecipientStatus
from app.core.db import from_epoch_ms
from app.core.inbound import Kind, MessagingEvent, on_messaging
from app.core.messages.log import event_key, our_message_id
from app.core.messages.models import Message
from app.core.models import Page
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client

CLICK_MEMORY_SECONDS = 2 * 24 * 3600  # Facebook may deliver an event again within this time


def record_click(broadcast_id: int, subscriber_id: int, at: datetime) -> bool:
    """Count a tap by a recipient (the first one also dates the click). Commits."""
    changed = db.session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.subscriber_id == subscriber_id,
        )
        .values(
            clicked_at=func.coalesce(BroadcastRecipient.clicked_at, at),
            clicks=BroadcastRecipient.clicks + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed:
        broadcast = db.session.get(Broadcast, broadcast_id)
        if broadcast is not None:
            lifecycle.publish(broadcast)
    return changed == 1


def _first_delivery(page: Page, event: MessagingEvent) -> bool:
    """Whether this event is seen for the first time (a repeated delivery must not count twice)."""
    key = f"herald:broadcast:tap:{page.id}:{event_key(event)}"
    return bool(redis_client.client.set(key, 1, nx=True, ex=CLICK_MEMORY_SECONDS))


@on_messaging(Kind.POSTBACK, Kind.MESSAGE, name="broadcasts")
def on_tap(page: Page, event: MessagingEvent) -> None:
    """A reply button or quick reply of a broadcast was tapped."""
    payload = event.postback_payload if event.kind == Kind.POSTBACK else event.quick_reply_payload
    parsed = links.read_payload(payload)
    if parsed is None or not event.psid:
        return
    subscriber_id = db.session.scalar(
        select(Subscriber.id).where(Subscriber.page_id == page.id, Subscriber.psid == event.psid)
    )
    broadcast = db.session.get(Broadcast, parsed[0])
    if subscriber_id is None or broadcast is None or broadcast.page_id != page.id:
        return
    if _first_delivery(page, event):
        record_click(broadcast.id, subscriber_id, from_epoch_ms(event.timestamp_ms))


@on_messaging(Kind.ECHO, name="broadcasts")
def on_echo(page: Page, event: MessagingEvent) -> None:
    """An echo proves an uncertain send went out: count it as sent."""
    message_id = our_message_id(event.metadata)
    if message_id is None:
        return
    message = db.session.get(Message, message_id)
    if message is None or message.origin != "broadcast" or message.page_id != page.id:
        return
    changed = db.session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.message_id == message.id,
            BroadcastRecipient.status == RecipientStatus.UNCERTAIN,
        )
        .values(status=RecipientStatus.SENT, sent_at=message.sent_at, detail=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed and message.origin_id is not None:
        broadcast = db.session.get(Broadcast, message.origin_id)
        if broadcast is not None:
            lifecycle.publish(broadcast)
