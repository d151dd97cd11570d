"""Importing a Page's existing conversations when it is connected, so history is not lost.

Webhooks only bring what happens after Herald subscribes. The Conversations API lists earlier
threads: each becomes a subscriber (source "import") with its recent messages and the 24-hour
clock of the person's last message. Safe to run again: rows are keyed by Facebook's ids.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from redis.exceptions import LockError

from app.core.db import insert_ignore, utcnow
from app.core.facebook import PageUnavailable, graph_for, react_to
from app.core.graph import GraphError, RateLimited
from app.core.graph.conversations import Conversation, ConversationMessage
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page
from app.core.queue import enqueue, work_id
from app.core.subscribers import store
from app.core.subscribers.models import Source, Subscriber
from app.extensions import db, redis_client

log = logging.getLogger(__name__)

IMPORT_LIMIT = 500  # most recent conversations imported per Page
PACE_SECONDS = 0.5  # the Conversations API allows about 2 calls per second per Page
RETRY_INTERVALS = [60, 300, 1800]
IMPORT_LOCK_SECONDS = 600  # longer than an import of IMPORT_LIMIT threads at PACE_SECONDS


def queue_import(page_id: int) -> None:
    """Queue the import of a Page's conversations (once while one is pending)."""
    enqueue(
        "app.core.subscribers.importer.import_conversations",
        page_id,
        job_id=work_id("import-conversations", page_id),
        retry_intervals=RETRY_INTERVALS,
    )


def import_conversations(page_id: int, sleep: Callable[[float], None] = time.sleep) -> int:
    """Job: import the Page's recent conversations; returns how many threads were read.

    One import of a Page runs at a time (a second waits for the first): together they would
    exceed the Conversations API's per-Page rate.
    """
    page = db.session.get(Page, page_id)
    if page is None or not page.is_usable:
        return 0
    lock = redis_client.client.lock(
        f"herald:import-conversations:{page_id}",
        timeout=IMPORT_LOCK_SECONDS,
        blocking_timeout=IMPORT_LOCK_SECONDS,
        thread_local=False,
    )
    if not lock.acquire():
        log.warning("conversation import of page %s skipped: another is still running", page_id)
        return 0
    try:
        return _import(page, sleep)
    finally:
        with contextlib.suppress(LockError):  # expired: a slow import already let the next in
            lock.release()


def _import(page: Page, sleep: Callable[[float], None]) -> int:
    page_id = page.id
    try:
        graph = graph_for(page)
        threads = 0
        for conversation in graph.conversations(page.facebook_page_id, limit=IMPORT_LIMIT):
            sleep(PACE_SECONDS)
            messages = graph.conversation_messages(conversation.id)
            import_thread(page, conversation, messages)
            threads += 1
    except PageUnavailable:
        return 0
    except RateLimited:
        raise  # RQ retries the job later; what was imported stays
    except GraphError as exc:
        react_to(page, exc, "pages_messaging")
        log.warning("conversation import of page %s stopped: %s", page_id, exc)
        return 0
    log.info("imported %d conversations of page %s", threads, page_id)
    return threads


def import_thread(
    page: Page, conversation: Conversation, messages: list[ConversationMessage]
) -> None:
    """Store one conversation's person and messages. Commits."""
    person = conversation.person(page.facebook_page_id)
    if person is None or not messages:
        return
    oldest = min(message.created_time for message in messages)
    subscriber, created = store.ensure(page, person.id, at=oldest, source=Source.IMPORT)
    if created and person.name:
        subscriber.name = person.name
    for message in messages:
        inbound = message.from_id != page.facebook_page_id
        insert_ignore(
            Message.__table__,
            {
                "workspace_id": page.workspace_id,
                "page_id": page.id,
                "subscriber_id": subscriber.id,
                "direction": (Direction.IN if inbound else Direction.OUT).value,
                "kind": "text" if message.text else "attachment",
                "mid": message.id,
                "text": message.text,
                "payload": {},
                "sent_at": message.created_time,
                "status": (MessageStatus.RECEIVED if inbound else MessageStatus.SENT).value,
                "origin": "webhook" if inbound else "page_inbox",
                "created_at": utcnow(),
                "updated_at": utcnow(),
            },
            ["page_id", "mid"],
        )
        if inbound and (
            subscriber.last_inbound_at is None or message.created_time > subscriber.last_inbound_at
        ):
            subscriber.last_inbound_at = message.created_time
        elif not inbound:
            store.record_outbound(subscriber, message.created_time)
    db.session.commit()
    if created:
        store.queue_profile_fetch(subscriber.id)


def queue_window_refresh(subscriber_id: int) -> None:
    """Queue a check of when the person last wrote, by Facebook's own record (once pending)."""
    enqueue(
        "app.core.subscribers.importer.refresh_window",
        subscriber_id,
        job_id=work_id("refresh-window", subscriber_id),
    )


def refresh_window(subscriber_id: int) -> None:
    """Job: Facebook says the window is closed; take the person's last message time from it.

    Herald's clock is only ever moved back here (it missed nothing newer, or Facebook would not
    have refused), so later decisions match what Facebook will accept.
    """
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or not subscriber.page.is_usable:
        return
    page = subscriber.page
    try:
        graph = graph_for(page)
        thread = next(
            graph.conversations(page.facebook_page_id, limit=1, user_id=subscriber.psid), None
        )
        messages = graph.conversation_messages(thread.id) if thread else []
    except GraphError as exc:
        react_to(page, exc, "pages_messaging")
        log.info("window refresh of subscriber %s failed: %s", subscriber_id, exc)
        return
    wrote = [m.created_time for m in messages if m.from_id == subscriber.psid]
    if wrote and (subscriber.last_inbound_at is None or max(wrote) < subscriber.last_inbound_at):
        log.warning(
            "subscriber %s last wrote at %s by Facebook's record, not %s",
            subscriber_id, max(wrote), subscriber.last_inbound_at,
        )  # fmt: skip
        subscriber.last_inbound_at = max(wrote)
        db.session.commit()
