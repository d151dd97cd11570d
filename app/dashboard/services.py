"""What the status page shows: stores, worker processes, the scheduler and the queues."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from rq import Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from app.core import health, queue, scheduling
from app.core.db import utcnow
from app.core.mail import Email
from app.core.models import Page, PageStatus, User
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client


@dataclass(frozen=True)
class WorkerInfo:
    """One RQ worker process as Redis sees it."""

    name: str
    queues: tuple[str, ...]
    state: str
    last_heartbeat: datetime | None
    current_job: str | None


@dataclass(frozen=True)
class QueueInfo:
    """Waiting and failed jobs of one queue."""

    name: str
    waiting: int
    failed: int


@dataclass(frozen=True)
class SystemStatus:
    """Everything the status page shows."""

    checks: list[health.Check]
    workers: list[WorkerInfo]
    queues: list[QueueInfo]
    scheduler_seen_seconds_ago: float | None
    graph_api_url: str
    graph_api_version: str

    @property
    def healthy(self) -> bool:
        """Stores answer, a worker runs and the scheduler ticked recently."""
        scheduler_ok = self.scheduler_seen_seconds_ago is not None
        return all(c.ok for c in self.checks) and bool(self.workers) and scheduler_ok


def _workers() -> list[WorkerInfo]:
    infos = []
    for worker in Worker.all(connection=redis_client.client):
        job = worker.get_current_job_id()
        infos.append(
            WorkerInfo(
                name=worker.name,
                queues=tuple(worker.queue_names()),
                state=str(worker.get_state()),
                last_heartbeat=worker.last_heartbeat,
                current_job=job,
            )
        )
    return sorted(infos, key=lambda info: info.name)


def _queues() -> list[QueueInfo]:
    infos = []
    for name in queue.QUEUE_NAMES:
        q = queue.get_queue(name)
        failed = FailedJobRegistry(queue=q).count
        infos.append(QueueInfo(name=name, waiting=len(q), failed=failed))
    return infos


def system_status() -> SystemStatus:
    """Probe the stores and, when Redis answers, the processes and queues behind it."""
    checks = health.check_all()
    redis_ok = next(c.ok for c in checks if c.name == "redis")
    workers: list[WorkerInfo] = []
    queues: list[QueueInfo] = []
    seen_ago = None
    if redis_ok:
        workers, queues = _workers(), _queues()
        last_seen = scheduling.scheduler_last_seen()
        seen_ago = None if last_seen is None else max(0.0, time.time() - last_seen)
    return SystemStatus(
        checks=checks,
        workers=workers,
        queues=queues,
        scheduler_seen_seconds_ago=seen_ago,
        graph_api_url=current_app.config["GRAPH_API_URL"],
        graph_api_version=current_app.config["GRAPH_API_VERSION"],
    )


@dataclass(frozen=True)
class Overview:
    """The workspace's key figures and its getting-started checklist."""

    pages: int
    subscribers: int
    in_window: int
    unsubscribed: int
    steps: list[tuple[str, bool, str]]  # (label, done, endpoint)

    @property
    def next_step(self) -> tuple[str, bool, str] | None:
        """The first step not done yet."""
        return next((step for step in self.steps if not step[1]), None)


def overview(user: User) -> Overview:
    """Figures over the workspace's connected Pages (an agent's: their Pages)."""
    from app.core.auth import visible_pages

    page_ids = [page.id for page in visible_pages(user)]
    base = select(func.count()).select_from(Subscriber).where(Subscriber.page_id.in_(page_ids))
    window_start = utcnow() - timedelta(hours=24)
    connected = db.session.scalar(
        select(func.count())
        .select_from(Page)
        .where(Page.workspace_id == user.workspace_id, Page.status != PageStatus.DISCONNECTED)
    )
    steps = [
        ("Confirm your email address", user.email_verified, "dashboard.index"),
        ("Connect your Facebook account", user.facebook_connected, "accounts.facebook_start"),
        ("Connect a Page", bool(connected), "pages.connect"),
        ("Invite your team", len(user.workspace.members) > 1, "accounts.members_page"),
    ]
    return Overview(
        pages=len(page_ids),
        subscribers=db.session.scalar(base) or 0,
        in_window=db.session.scalar(base.where(Subscriber.last_inbound_at >= window_start)) or 0,
        unsubscribed=db.session.scalar(base.where(Subscriber.subscribed.is_(False))) or 0,
        steps=steps,
    )


def recent_emails(limit: int = 100) -> list[Email]:
    """The newest emails, for the development outbox."""
    return list(db.session.scalars(select(Email).order_by(Email.id.desc()).limit(limit)))
