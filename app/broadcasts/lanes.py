"""Sender lanes: a few jobs per broadcast, each sending batch after batch, sharing the Page's pace.

A lane job holds a Redis lock named after its lane, kept alive by a heartbeat thread while it
works; a worker that dies lets the lock expire within seconds, which is how its one claimed batch
is found and marked uncertain (see `watch`). Jobs run for a slice of time and then queue their
own continuation, so a long broadcast never hits the job timeout and other sends (live chat
replies) get their turn on the queue. Job ids are derived from the work (broadcast, lane, a
counter); two jobs of one lane are harmless: the second finds the lock taken and leaves.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time

from flask import current_app
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from app.broadcasts import lifecycle, sending
from app.broadcasts.sending import Step
from app.core.queue import SENDS, enqueue, work_id
from app.extensions import redis_client

log = logging.getLogger(__name__)

LOCK_SECONDS = 10  # a dead sender's batch is recognised this soon after it died
HEARTBEAT_SECONDS = 2
TICKET_SECONDS = 60  # a queued lane job is trusted to start within this time


def lane_key(broadcast_id: int, lane: int) -> str:
    """The lock a running lane job holds."""
    return f"herald:broadcast:{broadcast_id}:lane:{lane}"


def _ticket_key(broadcast_id: int, lane: int) -> str:
    return f"{lane_key(broadcast_id, lane)}:queued"


def lane_count() -> int:
    """How many lanes send each broadcast at once."""
    return max(int(current_app.config.get("BROADCAST_SENDERS") or 3), 1)


def slice_seconds() -> float:
    """How long a lane job runs before handing over to its continuation."""
    return float(current_app.config.get("BROADCAST_SLICE_SECONDS") or 10)


def lane_owner(broadcast_id: int, lane: int) -> str | None:
    """The lock token of the job running the lane now (None when none is)."""
    raw = redis_client.client.get(lane_key(broadcast_id, lane))
    return raw.decode() if isinstance(raw, bytes) else raw


def _queue(broadcast_id: int, lane: int) -> None:
    redis = redis_client.client
    redis.set(_ticket_key(broadcast_id, lane), 1, ex=TICKET_SECONDS)
    number = redis.incr(f"herald:broadcast:{broadcast_id}:lane-jobs")
    enqueue(
        "app.broadcasts.lanes.run_lane",
        broadcast_id,
        lane,
        queue=SENDS,
        job_id=work_id("broadcast-send", broadcast_id, lane, number),
    )


def ensure_lanes(broadcast_id: int) -> None:
    """Queue a job for every lane that has none running or queued."""
    redis = redis_client.client
    for lane in range(lane_count()):
        if redis.exists(lane_key(broadcast_id, lane), _ticket_key(broadcast_id, lane)):
            continue
        _queue(broadcast_id, lane)


class Heartbeat(threading.Thread):
    """Keeps a lane's lock alive while the job works (even during a long Graph call)."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(daemon=True, name="broadcast-lane-heartbeat")
        self._lock = lock
        self._stopped = threading.Event()
        self.alive = True

    def run(self) -> None:
        """Extend the lock every few seconds until stopped or lost."""
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                self._lock.reacquire()
            except (LockError, RedisError):
                log.warning("broadcast lane lock %s lost", self._lock.name)
                self.alive = False
                return

    def stop(self) -> None:
        """Stop extending the lock."""
        self._stopped.set()
        self.join(timeout=HEARTBEAT_SECONDS * 2)


def _work(broadcast_id: int, lane: int, token: str, heartbeat: Heartbeat) -> Step:
    counter = itertools.count(1)
    deadline = time.monotonic() + slice_seconds()
    result = Step.CONTINUE
    while result is Step.CONTINUE and time.monotonic() < deadline and heartbeat.alive:
        result = sending.step(broadcast_id, lambda: f"{lane}.{token}.{next(counter)}")
    return result


def run_lane(broadcast_id: int, lane: int) -> None:
    """Job: send the broadcast's batches for a slice of time, then hand over or finish."""
    redis = redis_client.client
    lock = redis.lock(lane_key(broadcast_id, lane), timeout=LOCK_SECONDS, thread_local=False)
    if not lock.acquire(blocking=False):
        return  # another job runs this lane
    redis.delete(_ticket_key(broadcast_id, lane))
    token = lock.local.token.decode()
    heartbeat = Heartbeat(lock)
    heartbeat.start()
    try:
        result = _work(broadcast_id, lane, token, heartbeat)
    finally:
        heartbeat.stop()
        with contextlib.suppress(LockError):  # expired: the watch sweep knows the lane stopped
            lock.release()
    if result is Step.CONTINUE:
        _queue(broadcast_id, lane)  # the slice is over: continue at the back of the queue
    elif result is Step.IDLE:
        lifecycle.complete_if_done(broadcast_id)
