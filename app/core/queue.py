"""RQ queues and the one way Herald enqueues work.

Jobs take ids, never objects: a job runs later, in another process, against the database's state at
that time. A job id derived from the work (`work_id("broadcast-batch", 42, 7)`) makes the same
work impossible to queue twice while it is pending; once it has finished it may be queued again
(jobs are idempotent).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from app.extensions import db, redis_client

log = logging.getLogger(__name__)

WEBHOOKS = "webhooks"
SENDS = "sends"
DEFAULT = "default"
QUEUE_NAMES: tuple[str, ...] = (WEBHOOKS, SENDS, DEFAULT)

# Statuses in which a job will still run (or is running): enqueueing the same id again is a no-op.
PENDING = {
    JobStatus.QUEUED,
    JobStatus.STARTED,
    JobStatus.DEFERRED,
    JobStatus.SCHEDULED,
}

JobArg = int | str | None


def work_id(kind: str, *parts: int | str) -> str:
    """A job id naming a piece of work, e.g. `work_id("webhook-event", 42)` -> "webhook-event-42".

    RQ allows letters, digits, `_` and `-` in ids; anything else in a part becomes `_`.
    """
    cleaned = [re.sub(r"[^A-Za-z0-9_-]", "_", str(part)) for part in (kind, *parts)]
    return "-".join(cleaned)


def get_queue(name: str = DEFAULT) -> Queue:
    """The RQ queue `name` on the app's Redis."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUE_NAMES)}")
    return Queue(name, connection=redis_client.client)


def enqueue(
    func: Callable[..., Any] | str,
    *args: JobArg,
    queue: str = DEFAULT,
    job_id: str | None = None,
    delay: timedelta | None = None,
    at_front: bool = False,
    retry_intervals: list[int] | None = None,
) -> Job | None:
    """Queue `func(*args)` and return the job, or None when the same `job_id` is already pending.

    `args` must be ids (int/str/None). With `delay`, the job becomes due later (RQ's scheduler,
    which runs inside the workers, moves it to the queue). With `retry_intervals`, a failing job
    is retried after each of those many seconds.
    """
    for arg in args:
        if arg is not None and not isinstance(arg, int | str):
            raise TypeError(f"jobs take ids, not {type(arg).__name__}")
    options: dict[str, Any] = {
        "job_id": job_id,
        "job_timeout": current_app.config["RQ_JOB_TIMEOUT"],
        "result_ttl": 0,  # results are never read; dropping them lets finished ids be reused
        "failure_ttl": int(timedelta(days=7).total_seconds()),
        "retry": Retry(max=len(retry_intervals), interval=retry_intervals)
        if retry_intervals
        else None,
    }
    target = get_queue(queue)
    for _attempt in range(2):
        try:
            return _enqueue(target, func, args, options, delay, at_front, unique=job_id is not None)
        except DuplicateJobError:
            if not _discard_if_done(job_id):
                return None
    return None


def _enqueue(
    target: Queue,
    func: Callable[..., Any] | str,
    args: tuple[JobArg, ...],
    options: dict[str, Any],
    delay: timedelta | None,
    at_front: bool,
    *,
    unique: bool,
) -> Job:
    if delay is None or delay.total_seconds() <= 0:
        return target.enqueue(func, *args, at_front=at_front, unique=unique, **options)
    # `Queue.enqueue_in` ignores `unique`, so build the scheduled job ourselves.
    job = target.create_job(
        func,
        args=args,
        job_id=options["job_id"],
        timeout=options["job_timeout"],
        result_ttl=options["result_ttl"],
        failure_ttl=options["failure_ttl"],
        retry=options["retry"],
        status=JobStatus.SCHEDULED,
    )
    return target.schedule_job(job, datetime.now(UTC) + delay, unique=unique)


def _discard_if_done(job_id: str | None) -> bool:
    """Delete a finished/failed job that still holds `job_id`; False when it is still pending."""
    try:
        job = Job.fetch(job_id, connection=redis_client.client)
    except NoSuchJobError:
        return True
    if job.get_status(refresh=True) in PENDING:
        return False
    job.delete()
    return True


def queue_lengths() -> dict[str, int]:
    """How many jobs wait in each queue (for the status page and benchmarks)."""
    return {name: len(get_queue(name)) for name in QUEUE_NAMES}


class HeraldWorker(SimpleWorker):
    """An RQ worker that runs jobs in the worker's app context without forking.

    Forking per job costs more than most of Herald's jobs take; jobs are idempotent and their state
    lives in the database, so a crash loses nothing that a sweep will not pick up again. The
    session is discarded after every job so no transaction or stale identity map outlives it.
    """

    def perform_job(self, job: Job, queue: Queue) -> bool:
        """Run `job`, then return the database session to a clean state."""
        try:
            return super().perform_job(job, queue)
        finally:
            db.session.remove()
