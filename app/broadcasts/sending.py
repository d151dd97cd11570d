"""One step of a sender: pace, claim a batch, send it as one Graph batch request, record it.

The Page's token bucket (shared in Redis by every worker) is consulted before claiming, so a Page
that Facebook asked to slow down is waited for with nothing claimed; the batch then takes its
share of the budget, is admitted by the Page's one-second window (`window`), and goes out.
Facebook's answers decide what happens to each recipient (`outcomes`), and to the broadcast: a
dead token pauses it until the Page is reconnected; a rate limit pauses every sender of the Page
for as long as Facebook asks.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

from flask import current_app
from redis.exceptions import RedisError

from app.broadcasts import batches, lifecycle, outcomes
from app.broadcasts.batches import Batch
from app.broadcasts.models import (
    PAUSED_FOR_PERMISSION,
    PAUSED_FOR_RECONNECT,
    Broadcast,
    BroadcastStatus,
)
from app.broadcasts.window import SendWindow
from app.core.facebook import PageUnavailable, graph_for, react_to
from app.core.graph import (
    GraphError,
    PermissionDenied,
    Recipient,
    TokenInvalid,
    Usage,
    send_message_operation,
)
from app.core.graph.batch import MAX_BATCH_OPERATIONS, BatchResult
from app.core.messages.log import our_metadata
from app.core.models import Page
from app.core.ratelimit import PageBucket, pace_for
from app.extensions import db, redis_client

log = logging.getLogger(__name__)

WAIT_BEFORE_CLAIM = 1.0  # a longer wait means the Page was paused: wait with nothing claimed
LONGEST_SLEEP = 5.0
TAKE_MAX_WAIT = 10.0
MEDIA_LIMIT = 10  # Messenger allows 10 audio or video sends per second per Page
HOURLY_USAGE_HIGH = 95.0  # percent of an hourly limit at which Herald eases off for a while


class Step(enum.Enum):
    """What a sender does after a step."""

    CONTINUE = "continue"
    IDLE = "idle"  # nothing left to claim
    STOP = "stop"  # the broadcast is no longer sending


def limit_for(broadcast: Broadcast) -> int:
    """Messages per second the Page may receive for this broadcast's content (0: no limit)."""
    limit = int(current_app.config["SEND_RATE_LIMIT"])
    media_type = (broadcast.message.get("media") or {}).get("type")
    if broadcast.kind == "media" and media_type in {"audio", "video"}:
        limit = min(limit, MEDIA_LIMIT) if limit > 0 else MEDIA_LIMIT
    return limit


def bucket_for(broadcast: Broadcast, page: Page) -> PageBucket:
    """The Page's shared budget, at the pace this broadcast's content allows."""
    return PageBucket(redis_client.client, page.id, pace_for(limit_for(broadcast)))


def batch_size(bucket: PageBucket) -> int:
    """With a limit, one burst per batch (pacing stays smooth); without, Graph's maximum."""
    return bucket.pace.burst if bucket.pace.rate > 0 else MAX_BATCH_OPERATIONS


def backoff_cap() -> float:
    """The longest a rate limit pauses a broadcast (0: as long as Facebook asks)."""
    return float(current_app.config.get("BROADCAST_BACKOFF_CAP") or 0)


def _pause_bucket(bucket: PageBucket, seconds: float) -> None:
    cap = backoff_cap()
    bucket.pause(min(seconds, cap) if cap > 0 else seconds)


def hourly_backoff(usage: Usage) -> float:
    """Seconds to ease off for, from usage headers: Meta's estimate, or when an hourly limit
    is nearly used up. (The per-second "messenger" figure is the pacing itself: not a signal.)"""
    if usage.regain_seconds > 0:
        return usage.regain_seconds
    return 10.0 if usage.max_percent_excluding("messenger") >= HOURLY_USAGE_HIGH else 0.0


def _operations(page: Page, batch: Batch) -> list:
    return [
        send_message_operation(
            page.facebook_page_id,
            Recipient.psid(item.psid),
            {**item.message, "metadata": our_metadata(item.message_id)},
            messaging_type=item.messaging_type,
            tag=item.tag,
        )
        for item in batch.items
    ]


def _call(page: Page, batch: Batch) -> tuple[list[BatchResult], Usage]:
    """Send the batch as one Graph batch request, with the reply's usage headers."""
    return graph_for(page).batch_with_usage(_operations(page, batch))


def _after(broadcast: Broadcast, page: Page, bucket: PageBucket, effects: outcomes.Effects) -> Step:
    if effects.retry_after > 0:
        log.info(
            "broadcast %s: rate limited; pausing page %s %.0f s",
            broadcast.id,
            page.id,
            effects.retry_after,
        )
        _pause_bucket(bucket, effects.retry_after)
    if effects.permission_error is not None:
        react_to(page, effects.permission_error, "pages_messaging")
        lifecycle.pause(broadcast, PAUSED_FOR_PERMISSION)
        return Step.STOP
    if effects.token_error is not None:
        react_to(page, effects.token_error)
        lifecycle.pause(broadcast, PAUSED_FOR_RECONNECT)
        return Step.STOP
    lifecycle.publish(broadcast)
    return Step.CONTINUE


def send(
    broadcast: Broadcast, page: Page, batch: Batch, bucket: PageBucket, window: SendWindow | None
) -> Step:
    """Send a claimed batch within the Page's window; record what Facebook said of each message."""
    ticket = None
    if window is not None:
        try:
            ticket = window.admit(len(batch.items), max_wait=TAKE_MAX_WAIT)
        except RedisError:
            batches.release(batch)  # nothing went to Facebook: unclaim before failing
            raise
        if ticket is None:
            batches.release(batch)
            return Step.CONTINUE
    try:
        return _send(broadcast, page, batch, bucket)
    finally:
        if window is not None and ticket is not None:
            window.done(ticket)


def _still_sending(broadcast: Broadcast, batch: Batch) -> bool:
    """Whether the broadcast was not paused or cancelled while the batch waited for its turn;
    if it was, the batch goes back unsent (skipped, when cancelled)."""
    db.session.refresh(broadcast)
    if broadcast.status == BroadcastStatus.SENDING:
        return True
    batches.release(batch)
    if broadcast.status == BroadcastStatus.CANCELLED:
        lifecycle.skip_unsent(broadcast.id)
    return False


def _send(broadcast: Broadcast, page: Page, batch: Batch, bucket: PageBucket) -> Step:
    if not _still_sending(broadcast, batch):
        return Step.STOP
    try:
        results, usage = _call(page, batch)
    except PageUnavailable:
        batches.release(batch)
        lifecycle.pause(broadcast, PAUSED_FOR_RECONNECT)
        return Step.STOP
    except GraphError as exc:
        # The whole request failed: every message shares the fate of the request.
        found = [
            outcomes.of_error(item, exc, answered=exc.http_status is not None)
            for item in batch.items
        ]
        effects = outcomes.record(batch, found)  # a token or permission error is in `effects`
        if (
            not isinstance(exc, TokenInvalid | PermissionDenied)
            and effects.counts.get(outcomes.Kind.RETRY)
            and effects.retry_after <= 0
        ):
            attempts = max(item.attempts for item in batch.items) + 1
            _pause_bucket(bucket, min(2.0**attempts, 30.0))  # Graph is struggling: all ease off
        return _after(broadcast, page, bucket, effects)
    effects = outcomes.record(
        batch,
        [
            outcomes.of_result(item, result)
            for item, result in zip(batch.items, results, strict=True)
        ],
    )
    pause = hourly_backoff(usage)
    if pause > 0:
        _pause_bucket(bucket, pause)
    return _after(broadcast, page, bucket, effects)


def step(
    broadcast_id: int, batch_key: Callable[[], str], sleep: Callable[[float], None] = time.sleep
) -> Step:
    """Claim and send one batch of the broadcast (or wait while the Page is paused)."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.SENDING:
        return Step.STOP
    page = broadcast.page
    if not page.is_usable:
        lifecycle.pause(broadcast, PAUSED_FOR_RECONNECT)
        return Step.STOP
    bucket = bucket_for(broadcast, page)
    limit = limit_for(broadcast)  # read now: the claim's commit expires the loaded rows
    window = SendWindow(redis_client.client, page.id, limit) if limit > 0 else None
    wait = bucket.try_take(0)
    if wait > WAIT_BEFORE_CLAIM:
        db.session.commit()  # hold no transaction while waiting
        sleep(min(wait, LONGEST_SLEEP))
        return Step.CONTINUE
    batch = batches.claim(broadcast, page, batch_key(), batch_size(bucket))
    if batch is None:
        return Step.IDLE
    if batch.page_unavailable:
        lifecycle.pause(broadcast, PAUSED_FOR_RECONNECT)
        return Step.STOP
    if not batch.items:
        return Step.CONTINUE
    try:
        bucket.take(len(batch.items), sleep=sleep, max_wait=TAKE_MAX_WAIT)
    except TimeoutError:
        batches.release(batch)
        return Step.CONTINUE
    except RedisError:
        batches.release(batch)  # nothing went to Facebook: unclaim before failing
        raise
    return send(broadcast, page, batch, bucket, window)
