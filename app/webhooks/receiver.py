"""The webhook endpoint's work: check the signature, store the raw body, signal the workers.

Nothing is parsed here: acknowledging fast is what keeps Facebook from retrying and, after long
failures, unsubscribing the app. The stored id goes on a Redis list that "drain" jobs empty in
batches: a job per delivery would cost more than the delivery itself, on both sides.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Flask, current_app
from redis import RedisError
from sqlalchemy import Connection, insert

from app.core.db import utcnow
from app.core.queue import WEBHOOKS, enqueue
from app.extensions import redis_client
from app.webhooks.group_commit import committer_for
from app.webhooks.models import EventStatus, WebhookEvent

log = logging.getLogger(__name__)

PENDING_KEY = "herald:webhooks:pending"
DRAINER_KEY = "herald:webhooks:drainer:{slot}"
DRAINER_TTL = 60  # seconds; a running drain refreshes it, a crashed one lets it lapse
ACKNOWLEDGED = "EVENT_RECEIVED"


def accept(app: Flask, raw_body: bytes, signature: str | None) -> int | None:
    """Store a delivery if `signature` proves it comes from Facebook: its stored id, else None.

    Needs no request or app context: the fast path calls it before Flask sees the request.
    """
    secret = app.config["FACEBOOK_APP_SECRET"].encode()
    if not signature_valid(secret, raw_body, signature):
        return None
    return ingest(app, raw_body)


def signature_valid(secret: bytes, raw_body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the app secret's HMAC-SHA256 of the exact raw body."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret, raw_body, hashlib.sha256).hexdigest()
    given = header.removeprefix("sha256=").strip().lower()
    # As bytes: a header with characters outside ASCII is simply wrong, not a server error.
    return hmac.compare_digest(expected.encode(), given.encode())


def verify_token_valid(token: str | None) -> bool:
    """Whether the handshake's `hub.verify_token` is ours (constant-time)."""
    expected = current_app.config["FACEBOOK_VERIFY_TOKEN"]
    return bool(token) and hmac.compare_digest(expected.encode(), token.encode())


def ingest(app: Flask, raw_body: bytes) -> int:
    """Store a signed delivery durably, then signal the workers. Returns the stored event's id.

    The delivery is committed with whatever other requests of this process are storing at the
    same moment (group commit): one transaction and one Redis round trip for all of them.
    """
    return committer_for(app, store_batch).submit(raw_body)


def store_batch(connection: Connection, bodies: list[bytes]) -> list[int]:
    """Insert deliveries in one statement and transaction, then signal the workers once."""
    now = utcnow()
    rows = [
        {"body": body, "received_at": now, "status": EventStatus.RECEIVED.value} for body in bodies
    ]
    statement = insert(WebhookEvent).values(attempts=0, items=0)
    statement = statement.returning(WebhookEvent.id, sort_by_parameter_order=True)
    with connection.begin():  # Core, not the ORM: nothing to track on the hot path
        event_ids = list(connection.execute(statement, rows).scalars())
    try:
        signal_pending(event_ids)
    except RedisError as exc:
        # Stored is what matters to Facebook: the sweep finds events nobody was told about.
        log.warning("%d webhook events stored but not signalled: %s", len(event_ids), exc)
    return event_ids


def drainer_slots() -> int:
    """How many drain jobs may run at once (one per worker process that should share the load)."""
    return max(1, int(current_app.config["WEBHOOK_DRAINERS"]))


def signal_pending(event_ids: list[int]) -> None:
    """Put stored events on the pending list and make sure a drain job will take them.

    One Redis round trip; an RQ job is created only when no drain holds the event's slot.
    """
    if not event_ids:
        return
    slots = drainer_slots()
    chosen = sorted({event_id % slots for event_id in event_ids})
    pipeline = redis_client.client.pipeline(transaction=False)
    pipeline.rpush(PENDING_KEY, *event_ids)
    for slot in chosen:
        pipeline.set(DRAINER_KEY.format(slot=slot), 1, nx=True, ex=DRAINER_TTL)
    acquired = pipeline.execute()[1:]
    for slot, got in zip(chosen, acquired, strict=True):
        if got:
            enqueue("app.webhooks.tasks.drain", slot, queue=WEBHOOKS)
