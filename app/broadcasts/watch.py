"""The scheduler's part: start due broadcasts, and keep every active one moving.

`start_due` claims due scheduled broadcasts with a conditional UPDATE each second and queues their
start; it is safe with two schedulers or after a restart. `watch` queues a reconcile job for each
active broadcast every few seconds; the job (in a worker, so the scheduler stays light):

- marks the batch of a sender that died (its lane lock expired) uncertain, or sent where the echo
  proves it went out: such a batch is never sent again;
- releases recipients held for a live chat once the chat has gone quiet;
- resumes a broadcast paused for a reconnect (or a lost permission) once the Page can send;
- settles the batch a dead sender left in a cancelled broadcast;
- queues senders that died, and completes the broadcast when nobody is left.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, or_, select, update

from app.broadcasts import lanes, lifecycle
from app.broadcasts.models import (
    PAUSED_FOR_PAGE,
    PAUSED_FOR_PERMISSION,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientStatus,
)
from app.broadcasts.outcomes import UNCERTAIN_DETAIL
from app.core.db import utcnow
from app.core.messages.models import Message, MessageStatus
from app.core.queue import SENDS, enqueue, work_id
from app.core.scheduling import register_sweep
from app.extensions import db

log = logging.getLogger(__name__)

R = BroadcastRecipient
CLAIM_GRACE = timedelta(seconds=3)
DELIVERED = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ]


@register_sweep("broadcasts-due", seconds=1)
def start_due() -> None:
    """Start scheduled broadcasts whose time has come (each exactly once)."""
    for broadcast_id in lifecycle.claim_due():
        lifecycle.queue_prepare(broadcast_id)
        broadcast = db.session.get(Broadcast, broadcast_id)
        if broadcast is not None:
            lifecycle.publish(broadcast, force=True)


@register_sweep("broadcasts-watch", seconds=5)
def watch() -> None:
    """Queue a reconcile job for every broadcast that is sending or paused, or cancelled with
    a batch still claimed (its sender may have died with it)."""
    claimed = exists().where(R.broadcast_id == Broadcast.id, R.status == RecipientStatus.SENDING)
    query = select(Broadcast.id).where(
        Broadcast.status.in_([BroadcastStatus.SENDING, BroadcastStatus.PAUSED])
        | ((Broadcast.status == BroadcastStatus.CANCELLED) & claimed)
    )
    for broadcast_id in db.session.scalars(query):
        enqueue(
            "app.broadcasts.watch.reconcile",
            broadcast_id,
            queue=SENDS,
            job_id=work_id("broadcast-reconcile", broadcast_id),
        )


def _dead_batches(broadcast_id: int) -> list[str]:
    """Batch keys still `sending` whose lane is no longer run by the job that claimed them."""
    query = (
        select(R.batch_key)
        .where(
            R.broadcast_id == broadcast_id,
            R.status == RecipientStatus.SENDING,
            R.claimed_at < utcnow() - CLAIM_GRACE,
        )
        .distinct()
    )
    dead = []
    for key in db.session.scalars(query):
        lane, _, rest = (key or "").partition(".")
        token = rest.partition(".")[0]
        if not lane.isdigit() or lanes.lane_owner(broadcast_id, int(lane)) != token:
            dead.append(key)
    return dead


def settle_dead_batches(broadcast_id: int) -> int:
    """Mark batches of dead senders: sent where the echo arrived, else uncertain. Commits."""
    keys = _dead_batches(broadcast_id)
    for key in keys:
        echoed = exists().where(Message.id == R.message_id, Message.status.in_(DELIVERED))
        claimed = (R.batch_key == key, R.status == RecipientStatus.SENDING)
        db.session.execute(
            update(R)
            .where(*claimed, echoed)
            .values(status=RecipientStatus.SENT, sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(R)
            .where(*claimed)
            .values(status=RecipientStatus.UNCERTAIN, detail=UNCERTAIN_DETAIL)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        log.warning("broadcast %s: batch %s of a stopped sender settled", broadcast_id, key)
    return len(keys)


def release_held(broadcast_id: int) -> int:
    """Recipients held for a live chat whose hold is over go back to pending. Commits."""
    released = db.session.execute(
        update(R)
        .where(
            R.broadcast_id == broadcast_id,
            R.status == RecipientStatus.HELD,
            or_(R.held_until.is_(None), R.held_until <= utcnow()),
        )
        .values(status=RecipientStatus.PENDING, held_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return released


def _has_pending(broadcast_id: int) -> bool:
    query = select(R.id).where(R.broadcast_id == broadcast_id, R.status == RecipientStatus.PENDING)
    return db.session.scalar(query.limit(1)) is not None


def _can_send(broadcast: Broadcast) -> bool:
    """Whether the Page's connection that paused the broadcast works again."""
    page = broadcast.page
    if broadcast.pause_reason == PAUSED_FOR_PERMISSION:
        return page.is_usable and "pages_messaging" not in (page.missing_permissions or [])
    return page.is_usable


def reconcile(broadcast_id: int) -> None:
    """Job: settle what dead senders left, release holds, restart senders, complete."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return
    if broadcast.status == BroadcastStatus.CANCELLED:
        if settle_dead_batches(broadcast_id):
            lifecycle.publish(broadcast, force=True)
        return
    if not broadcast.status.active:
        return
    settled = settle_dead_batches(broadcast_id)
    if broadcast.status == BroadcastStatus.PAUSED:
        if broadcast.pause_reason in PAUSED_FOR_PAGE and _can_send(broadcast):
            lifecycle.resume(broadcast)
        elif settled:
            lifecycle.publish(broadcast, force=True)
        return
    if broadcast.prepared_at is None:
        lifecycle.queue_prepare(broadcast_id)  # the start job was lost
        return
    release_held(broadcast_id)
    if _has_pending(broadcast_id):
        lanes.ensure_lanes(broadcast_id)
    elif not lifecycle.complete_if_done(broadcast_id) and settled:
        lifecycle.publish(broadcast, force=True)
