"""A broadcast's life once it is due: started exactly once, recipients created once, paused,
resumed and completed by atomic state changes in the database.

Every transition is a conditional UPDATE (`… WHERE status = 'scheduled'`): whoever changes the row
does the work, so two schedulers, a restarted scheduler or a job run twice never start a broadcast
twice. Recipient rows are created in the same transaction that sets `prepared_at`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, literal, select, update

from app.broadcasts import audience, media
from app.broadcasts.models import (
    OPEN_STATUSES,
    PAUSED_FOR_PERMISSION,
    PAUSED_FOR_RECONNECT,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientStatus,
)
from app.core import events
from app.core.db import UTCDateTime, utcnow
from app.core.facebook import PageUnavailable, react_to
from app.core.graph import GraphError, PermissionDenied, TokenInvalid
from app.core.queue import SENDS, enqueue, work_id
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client

log = logging.getLogger(__name__)

PUBLISH_EVERY_MS = 1000
DUE_BATCH = 100


def publish(broadcast: Broadcast, *, force: bool = False) -> None:
    """Tell open dashboards the broadcast moved (at most once a second unless `force`)."""
    key = f"herald:broadcast:{broadcast.id}:published"
    if not force and not redis_client.client.set(key, 1, nx=True, px=PUBLISH_EVERY_MS):
        return
    events.publish(
        broadcast.workspace_id,
        "broadcast",
        {"broadcast_id": broadcast.id, "status": broadcast.status.value},
        page_id=broadcast.page_id,
    )


def transition(
    broadcast_id: int,
    from_: set[BroadcastStatus],
    *conditions: ColumnElement[bool],
    **values: object,
) -> bool:
    """Change the broadcast's row only if it is in one of `from_` (and meets `conditions`);
    True when this call did it."""
    changed = db.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(from_), *conditions)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def queue_prepare(broadcast_id: int) -> None:
    """Queue the job that creates the recipients and starts the senders."""
    enqueue(
        "app.broadcasts.lifecycle.prepare",
        broadcast_id,
        queue=SENDS,
        job_id=work_id("broadcast-prepare", broadcast_id),
    )


def start(broadcast: Broadcast) -> bool:
    """Start a draft or scheduled broadcast now. Commits; False when it was not startable."""
    started = transition(
        broadcast.id,
        {BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED},
        status=BroadcastStatus.SENDING,
        started_at=utcnow(),
        pause_reason=None,
    )
    if started:
        queue_prepare(broadcast.id)
        db.session.refresh(broadcast)
        publish(broadcast, force=True)
    return started


def claim_due(now: datetime | None = None) -> list[int]:
    """Start the scheduled broadcasts that are due; returns the ids this caller started."""
    now = now or utcnow()
    due = select(Broadcast.id).where(
        Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.scheduled_at <= now
    )
    started = []
    for broadcast_id in list(
        db.session.scalars(due.order_by(Broadcast.scheduled_at).limit(DUE_BATCH))
    ):
        if transition(
            broadcast_id,
            {BroadcastStatus.SCHEDULED},
            Broadcast.scheduled_at <= now,  # not if it was moved later since the SELECT
            status=BroadcastStatus.SENDING,
            started_at=now,
        ):
            started.append(broadcast_id)
    return started


def pause(broadcast: Broadcast, reason: str) -> bool:
    """Pause a sending broadcast (senders stop after their batch in flight). Commits."""
    paused = transition(
        broadcast.id, {BroadcastStatus.SENDING}, status=BroadcastStatus.PAUSED, pause_reason=reason
    )
    db.session.refresh(broadcast)
    if paused:
        log.info("broadcast %s paused: %s", broadcast.id, reason)
        publish(broadcast, force=True)
    return paused


def resume(broadcast: Broadcast) -> bool:
    """Continue a paused broadcast. Commits; the senders are queued again."""
    from app.broadcasts import lanes  # lanes import this module

    resumed = transition(
        broadcast.id, {BroadcastStatus.PAUSED}, status=BroadcastStatus.SENDING, pause_reason=None
    )
    db.session.refresh(broadcast)
    if resumed:
        if broadcast.prepared_at is None:
            queue_prepare(broadcast.id)
        else:
            lanes.ensure_lanes(broadcast.id)
        publish(broadcast, force=True)
    return resumed


def cancel(broadcast: Broadcast) -> bool:
    """Stop a broadcast for good; whoever had not received it yet is skipped. Commits."""
    now = utcnow()
    startable = {BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED}
    cancelled = transition(
        broadcast.id,
        startable | {BroadcastStatus.SENDING, BroadcastStatus.PAUSED},
        status=BroadcastStatus.CANCELLED,
        cancelled_at=now,
    )
    if cancelled:
        skip_unsent(broadcast.id)
    db.session.refresh(broadcast)
    if cancelled:
        publish(broadcast, force=True)
    return cancelled


def skip_unsent(broadcast_id: int) -> None:
    """Recipients of a cancelled broadcast still waiting are skipped. Commits."""
    db.session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status.in_([RecipientStatus.PENDING, RecipientStatus.HELD]),
        )
        .values(status=RecipientStatus.SKIPPED, reason="cancelled", held_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def complete_if_done(broadcast_id: int) -> bool:
    """Mark a sending broadcast completed once no recipient is left open. Commits."""
    left = select(func.count()).where(
        BroadcastRecipient.broadcast_id == broadcast_id,
        BroadcastRecipient.status.in_(OPEN_STATUSES),
    )
    if db.session.scalar(left):
        return False
    done = transition(
        broadcast_id,
        {BroadcastStatus.SENDING},
        status=BroadcastStatus.COMPLETED,
        completed_at=utcnow(),
    )
    if done:
        broadcast = db.session.get(Broadcast, broadcast_id)
        publish(broadcast, force=True)
    return done


def _upload_media(broadcast: Broadcast) -> bool:
    """Upload a media broadcast's file to the Page once; False (and paused) when it fails."""
    content = broadcast.message or {}
    if content.get("kind") != "media":
        return True
    item = content.get("media") or {}
    url = media.source_url(broadcast.workspace_id, item)
    try:
        if url is None:
            raise GraphError("the uploaded file no longer exists")
        media.ensure_attachment(broadcast.page, item.get("type", "image"), url)
    except PageUnavailable:
        pause(broadcast, PAUSED_FOR_RECONNECT)
        return False
    except GraphError as exc:
        react_to(broadcast.page, exc, "pages_messaging")
        if isinstance(exc, TokenInvalid):
            pause(broadcast, PAUSED_FOR_RECONNECT)
        elif isinstance(exc, PermissionDenied):
            pause(broadcast, PAUSED_FOR_PERMISSION)
        else:
            pause(broadcast, f"Facebook could not take the media: {exc.message}"[:300])
        return False
    return True


def _create_recipients(broadcast: Broadcast) -> bool:
    """One INSERT … SELECT of the audience, in the transaction that marks it done."""
    now = utcnow()
    marked = db.session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast.id,
            Broadcast.prepared_at.is_(None),
            # Paused or cancelled meanwhile: no rows (resuming prepares again).
            Broadcast.status == BroadcastStatus.SENDING,
        )
        .values(prepared_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        db.session.rollback()
        return False
    source = (
        audience.subscribers(broadcast.workspace_id, broadcast.page_id, broadcast.audience, now)
        .order_by(None)
        .order_by(Subscriber.id)
        .with_only_columns(
            literal(broadcast.id),
            Subscriber.id,
            literal(RecipientStatus.PENDING.value),
            literal(0),
            literal(0),
            literal(now, UTCDateTime()),
        )
    )
    columns = ["broadcast_id", "subscriber_id", "status", "attempts", "clicks", "created_at"]
    db.session.execute(insert(BroadcastRecipient).from_select(columns, source))
    total = db.session.scalar(
        select(func.count()).where(BroadcastRecipient.broadcast_id == broadcast.id)
    )
    db.session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id)
        .values(total_recipients=total, prepared_at=utcnow())  # when the rows were ready
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("broadcast %s: %s recipients", broadcast.id, total)
    return True


def prepare(broadcast_id: int) -> None:
    """Job: upload the media, create the recipients (once) and start the senders."""
    from app.broadcasts import lanes  # lanes import this module

    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.SENDING:
        return
    if broadcast.prepared_at is None:
        if not _upload_media(broadcast):
            return
        _create_recipients(broadcast)
        db.session.refresh(broadcast)
    publish(broadcast, force=True)
    if not complete_if_done(broadcast_id):
        lanes.ensure_lanes(broadcast_id)
