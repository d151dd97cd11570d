"""The scheduler's sweeps: periodic work that features register, run by exactly one scheduler.

A sweep should be quick: it finds due work in the database and enqueues jobs with ids derived from
that work. Two locks make a second scheduler started by mistake harmless: a sweep runs only while
holding its running lock, and each period of a sweep can be claimed once.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from redis import Redis
from redis.exceptions import LockError

from app.extensions import db, redis_client

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "herald:scheduler:heartbeat"


@dataclass(frozen=True)
class Sweep:
    """A function run every `seconds` inside an app context by the scheduler."""

    name: str
    func: Callable[[], object]
    seconds: float


SWEEPS: dict[str, Sweep] = {}


def register_sweep(
    name: str, seconds: float
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Decorator: run the function every `seconds` in the scheduler process."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        SWEEPS[name] = Sweep(name=name, func=func, seconds=seconds)
        return func

    return decorator


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_period(redis: Redis, sweep: Sweep, now: float | None = None) -> bool:
    """Claim this sweep's current period; False when another scheduler already ran it."""
    now = time.time() if now is None else now
    period = int(now // sweep.seconds)
    ttl_ms = max(int(sweep.seconds * 2000), 1000)
    key = f"herald:sweep:{sweep.name}:period:{period}"
    return bool(redis.set(key, _owner(), nx=True, px=ttl_ms))


def run_sweep(app: Flask, name: str) -> bool:
    """Run sweep `name` once if no other scheduler is running it or ran it this period.

    Returns whether it ran. Exceptions are logged, never raised: one failing sweep must not stop
    the scheduler.
    """
    sweep = SWEEPS[name]
    with app.app_context():
        redis = redis_client.client
        lock = redis.lock(
            f"herald:sweep:{name}:running",
            timeout=max(sweep.seconds * 10, 60),
            blocking=False,
        )
        if not lock.acquire():
            return False
        try:
            if not claim_period(redis, sweep):
                return False
            sweep.func()
            return True
        except Exception:
            log.exception("sweep %s failed", name)
            return False
        finally:
            db.session.remove()
            try:
                lock.release()
            except LockError:  # it outlived its timeout; another scheduler may hold it now
                log.warning("sweep %s ran longer than its lock", name)


@register_sweep("scheduler-heartbeat", seconds=5)
def record_heartbeat() -> None:
    """Tell the status page the scheduler is alive."""
    redis_client.client.set(HEARTBEAT_KEY, f"{time.time():.3f} {_owner()}", ex=60)


def scheduler_last_seen() -> float | None:
    """Unix time of the scheduler's last heartbeat, or None if none is recent."""
    raw = redis_client.client.get(HEARTBEAT_KEY)
    if not raw:
        return None
    return float(raw.split()[0])


def build_scheduler(app: Flask):
    """An APScheduler BlockingScheduler with one interval job per registered sweep."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    for sweep in SWEEPS.values():
        scheduler.add_job(
            run_sweep,
            "interval",
            seconds=sweep.seconds,
            args=(app, sweep.name),
            id=sweep.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(int(sweep.seconds), 1),
        )
    return scheduler
