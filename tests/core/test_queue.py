"""Enqueueing by id, and never queueing the same work twice while it is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from app.core import queue
from app.extensions import redis_client

JOB = "tests.support.jobs.create_workspace"


def test_jobs_take_ids_not_objects(app):
    with pytest.raises(TypeError, match="jobs take ids"):
        queue.enqueue(JOB, {"name": "x"})
    assert queue.queue_lengths()["default"] == 0


def test_unknown_queue_is_refused(app):
    with pytest.raises(ValueError, match="unknown queue"):
        queue.enqueue(JOB, "x", queue="emails")


def test_the_same_work_is_queued_once_while_pending(app):
    first = queue.enqueue(JOB, "acme", queue=queue.SENDS, job_id="workspace-acme")
    second = queue.enqueue(JOB, "acme", queue=queue.SENDS, job_id="workspace-acme")
    assert first is not None
    assert second is None
    assert queue.queue_lengths()[queue.SENDS] == 1


def test_work_without_an_id_is_always_queued(app):
    queue.enqueue(JOB, "a")
    queue.enqueue(JOB, "a")
    assert queue.queue_lengths()["default"] == 2


def test_finished_or_failed_work_can_be_queued_again(app):
    job = queue.enqueue(JOB, "acme", job_id="workspace-acme")
    job.set_status(JobStatus.FAILED)
    again = queue.enqueue(JOB, "acme", job_id="workspace-acme")
    assert again is not None
    assert again.get_status(refresh=True) == JobStatus.QUEUED


def test_delayed_work_is_scheduled_once(app):
    delay = timedelta(minutes=5)
    job = queue.enqueue(JOB, "later", job_id="workspace-later", delay=delay)
    assert queue.enqueue(JOB, "later", job_id="workspace-later", delay=delay) is None
    registry = ScheduledJobRegistry(queue=queue.get_queue())
    assert registry.get_job_ids() == [job.id]
    assert queue.queue_lengths()["default"] == 0


def test_jobs_keep_no_results(app):
    job = queue.enqueue(JOB, "acme", job_id="workspace-acme")
    assert Job.fetch(job.id, connection=redis_client.client).result_ttl == 0


def test_work_ids_are_valid_rq_ids(app):
    assert queue.work_id("broadcast-batch", 42, 7) == "broadcast-batch-42-7"
    assert queue.work_id("event", "m_ab:c/d") == "event-m_ab_c_d"
    assert queue.enqueue(JOB, "x", job_id=queue.work_id("event", "m_ab:c/d")) is not None
