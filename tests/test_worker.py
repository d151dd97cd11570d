"""Real worker and scheduler processes against real Redis and the test database."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app.core import queue
from app.core.models import Workspace
from app.core.scheduling import scheduler_last_seen
from app.extensions import db, redis_client
from tests.conftest import ROOT
from tests.support.servers import wait_until

pytestmark = pytest.mark.integration


def test_a_worker_process_runs_queued_jobs_with_the_database(app, run_worker):
    for name in ("Acme", "Globex"):
        queue.enqueue("tests.support.jobs.create_workspace", name, queue=queue.SENDS)
    result = run_worker()
    assert result.returncode == 0, result.stderr
    names = db.session.scalars(select(Workspace.name).order_by(Workspace.name)).all()
    assert names == ["Acme", "Globex"]
    assert queue.queue_lengths() == {"webhooks": 0, "sends": 0, "default": 0}


def test_a_failing_job_is_kept_for_inspection_and_the_worker_goes_on(app, run_worker):
    queue.enqueue("tests.support.jobs.fail_always", "first")
    queue.enqueue("tests.support.jobs.create_workspace", "After")
    result = run_worker()
    assert result.returncode == 0
    assert "failing on purpose" in result.stderr
    assert FailedJobRegistry(queue=queue.get_queue()).count == 1
    assert redis_client.client.lrange("test:jobs-run", 0, -1) == [b"After"]


def test_the_scheduler_process_runs_sweeps_and_stops_cleanly(app, child_env):
    process = subprocess.Popen(
        [sys.executable, "worker.py", "scheduler"],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_until(lambda: scheduler_last_seen() is not None, seconds=30)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "scheduler running sweeps" in output
