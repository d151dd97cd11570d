"""The subscriber store's webhook handlers: who wrote, when, through what, and what they said.

Registered for every messaging event. "stop"/"unsubscribe" unsubscribe a person from automated
messages and "start"/"subscribe" subscribe them again, each with a confirmation reply.
"""

from __future__ import annotations

import re

from app.core import events, messaging, policy
from app.core.db import from_epoch_ms
from app.core.inbound import STORE_ORDER, Kind, MessagingEvent, on_messaging
from app.core.messages import log
from app.core.messages.models import Message
from app.core.models import Page
from app.core.subscribers import store
from app.core.subscribers.models import Subscriber
from app.extensions import db

STOP_WORDS = frozenset({"stop", "unsubscribe", "stop all", "opt out"})
START_WORDS = frozenset({"start", "subscribe", "opt in"})
_PUNCTUATION = re.compile(r"[^\w\s]")


def keyword(text: str | None) -> str | None:
    """'stop' or 'start' when the whole message is one of their words, else None."""
    if not text:
        return None
    words = " ".join(_PUNCTUATION.sub(" ", text.lower()).split())
    if words in STOP_WORDS:
        return "stop"
    if words in START_WORDS:
        return "start"
    return None


@on_messaging(
    Kind.MESSAGE, Kind.POSTBACK, Kind.REFERRAL, Kind.OPTIN, name="subscribers", order=STORE_ORDER
)
def on_inbound(page: Page, event: MessagingEvent) -> None:
    """A person wrote, tapped, opened a link or opted in: record them and move their clock.

    The message and what it changes (stop/start) commit together, so a retried delivery can
    never find the message recorded but its effect missing.
    """
    if not event.psid:
        return  # a website guest known only by user_ref is not a Messenger subscriber yet
    subscriber, created = store.ensure_for_event(page, event.psid, event)
    store.record_inbound(subscriber, event)
    message_id = log.log_inbound(page, subscriber, event)
    word = keyword(event.text) if event.kind == Kind.MESSAGE and message_id else None
    changed = word is not None and store.set_subscribed(subscriber, word == "start")
    db.session.commit()
    if created:
        store.queue_profile_fetch(subscriber.id)
    if message_id is not None:
        log.announce(db.session.get(Message, message_id))
    if changed:
        _confirm(page, subscriber, subscribed=word == "start")


def _confirm(page: Page, subscriber: Subscriber, *, subscribed: bool) -> None:
    text = (
        f"You're subscribed to {page.name} again. Reply STOP at any time to unsubscribe."
        if subscribed
        else f"You're unsubscribed from {page.name}'s automated messages. Reply START to "
        "subscribe again."
    )
    messaging.queue_message(
        subscriber, {"text": text}, origin="system", purpose=policy.Purpose.SERVICE
    )


@on_messaging(Kind.ECHO, name="subscribers", order=STORE_ORDER)
def on_echo(page: Page, event: MessagingEvent) -> None:
    """A message the Page sent (by Herald or elsewhere) came back as an echo."""
    if not event.psid:
        return
    subscriber, created = store.ensure_for_event(page, event.psid, event)
    message_id = log.log_echo(page, subscriber, event)
    store.record_outbound(subscriber, from_epoch_ms(event.timestamp_ms))
    db.session.commit()
    if created:
        store.queue_profile_fetch(subscriber.id)
    if message_id is not None:
        log.announce(db.session.get(Message, message_id))


@on_messaging(Kind.DELIVERY, Kind.READ, name="subscribers", order=STORE_ORDER)
def on_watermark(page: Page, event: MessagingEvent) -> None:
    """Messages up to the watermark were delivered (or read)."""
    if not event.psid:
        return
    subscriber = (
        db.session.query(Subscriber).filter_by(page_id=page.id, psid=event.psid).one_or_none()
    )
    if subscriber is None:
        return
    store.record_watermark(subscriber, event)
    log.apply_watermark(subscriber, event)
    db.session.commit()
    events.publish(
        page.workspace_id,
        "watermark",
        {"subscriber_id": subscriber.id, "kind": event.kind.value, "at": event.watermark_ms},
        page_id=page.id,
    )
