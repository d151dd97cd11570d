"""Processing stored webhook deliveries in workers, and the sweep that retries the forgotten."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from rq.timeouts import JobTimeoutException
from sqlalchemy import or_, select

from app.core.db import utcnow
from app.core.inbound import (
    FEED_HANDLERS,
    FeedChange,
    MalformedEvent,
    MessagingEvent,
    handlers_for,
    parse_delivery,
)
from app.core.models import Page, PageStatus
from app.core.queue import WEBHOOKS, enqueue
from app.core.scheduling import register_sweep
from app.extensions import db, redis_client
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.receiver import DRAINER_KEY, DRAINER_TTL, PENDING_KEY, signal_pending

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(seconds=60)
DRAIN_BATCH = 100


def drain(slot: int) -> int:
    """Job: process pending deliveries until none is left; returns how many it processed.

    Ids taken off the list by a worker that then dies stay RECEIVED in the database, where the
    sweep finds them again: the list is a fast path, the database the record.
    """
    redis = redis_client.client
    flag = DRAINER_KEY.format(slot=slot)
    processed = 0
    try:
        while True:
            redis.expire(flag, DRAINER_TTL)
            batch = redis.lpop(PENDING_KEY, DRAIN_BATCH)
            if not batch:
                break
            for raw_id in batch:
                processed += _process_quietly(int(raw_id))
    finally:
        redis.delete(flag)
    # Anything pushed between the last pop and releasing the flag must not wait for the sweep.
    if redis.llen(PENDING_KEY) and redis.set(flag, 1, nx=True, ex=DRAINER_TTL):
        enqueue("app.webhooks.tasks.drain", slot, queue=WEBHOOKS)
    return processed


def _process_quietly(event_id: int) -> int:
    try:
        process_event(event_id)
    except JobTimeoutException:
        raise  # the drain's time is up: stop here (the event is retried like any other)
    except Exception:  # recorded on the event (FAILED) and retried by the sweep; go on
        db.session.rollback()
        return 0
    finally:
        db.session.remove()  # one event's state never leaks into the next
    return 1


def process_event(event_id: int) -> None:
    """Job: hand every event of a stored delivery to its handlers. Safe to run twice."""
    stored = db.session.get(WebhookEvent, event_id)
    if stored is None or stored.status in {EventStatus.PROCESSED, EventStatus.MALFORMED}:
        return
    stored.attempts += 1
    db.session.commit()
    try:
        delivery = parse_delivery(json.loads(stored.body))
    except (ValueError, MalformedEvent) as exc:  # JSONDecodeError is a ValueError
        _finish(stored, EventStatus.MALFORMED, f"{type(exc).__name__}: {exc}")
        return
    events = delivery.events
    if delivery.skipped:
        log.warning("webhook event %s: skipped %s", event_id, "; ".join(delivery.skipped))
    pages = _pages({page_id for page_id, _event in events})
    try:
        for page_id, event in events:
            page = pages.get(page_id)
            if page is not None:  # a Page no workspace connected: kept raw, nothing to do
                dispatch(page, event)
    except Exception as exc:
        db.session.rollback()
        log.exception("webhook event %s failed", event_id)
        _finish(
            db.session.get(WebhookEvent, event_id),
            EventStatus.FAILED,
            f"{type(exc).__name__}: {exc}",
        )
        raise
    note = (
        f"skipped {len(delivery.skipped)}: " + "; ".join(delivery.skipped)
        if delivery.skipped
        else None
    )
    _finish(db.session.get(WebhookEvent, event_id), EventStatus.PROCESSED, note, items=len(events))


def dispatch(page: Page, event: MessagingEvent | FeedChange) -> None:
    """Call every handler registered for the event's kind."""
    if isinstance(event, FeedChange):
        if event.by_page:
            return  # the Page's own comments and posts never trigger automation
        for handler in FEED_HANDLERS.values():
            handler(page, event)
        return
    for handler in handlers_for(event.kind):
        handler(page, event)


def _pages(facebook_ids: set[str]) -> dict[str, Page]:
    if not facebook_ids:
        return {}
    query = select(Page).where(Page.facebook_page_id.in_(facebook_ids))
    # Rows a workspace disconnected keep their history; a live connection of the same Facebook
    # Page (at most one, by a unique index) is the one its events belong to.
    rows = sorted(db.session.scalars(query), key=lambda row: row.status != PageStatus.DISCONNECTED)
    return {page.facebook_page_id: page for page in rows}


def _finish(stored: WebhookEvent, status: EventStatus, error: str | None, items: int = 0) -> None:
    stored.status = status
    stored.error = error[:2000] if error else None
    stored.items = items or stored.items
    if status == EventStatus.PROCESSED:
        stored.processed_at = utcnow()
    db.session.commit()


@register_sweep("webhook-retry", seconds=30)
def requeue_unprocessed() -> None:
    """Queue again deliveries stored but not processed (a lost job, a failing handler)."""
    cutoff = utcnow() - STALE_AFTER
    query = (
        select(WebhookEvent.id)
        .where(
            or_(
                WebhookEvent.status == EventStatus.RECEIVED,
                WebhookEvent.status == EventStatus.FAILED,
            ),
            WebhookEvent.received_at < cutoff,
            WebhookEvent.attempts < MAX_ATTEMPTS,
        )
        .order_by(WebhookEvent.id)
        .limit(1000)
    )
    signal_pending(list(db.session.scalars(query)))
