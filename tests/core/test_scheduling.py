"""Sweeps run once per period, however many schedulers are running."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest

from app.core import scheduling
from app.core.scheduling import Sweep, build_scheduler, claim_period, run_sweep
from app.extensions import redis_client


@pytest.fixture
def counting_sweep(app, monkeypatch):
    """A registered sweep that counts its runs in Redis, with the clock held inside one period."""
    monkeypatch.setattr(scheduling, "time", SimpleNamespace(time=lambda: 1_800_000_000.5))

    def count() -> None:
        redis_client.client.incr("test:sweep-runs")

    scheduling.register_sweep("test-count", seconds=3600)(count)
    yield "test-count"
    scheduling.SWEEPS.pop("test-count", None)


def runs() -> int:
    return int(redis_client.client.get("test:sweep-runs") or 0)


def test_a_period_is_claimed_once(app):
    sweep = Sweep("claims", lambda: None, seconds=10)
    client = redis_client.client
    assert claim_period(client, sweep, now=1000.0)
    assert not claim_period(client, sweep, now=1009.9)  # same period
    assert claim_period(client, sweep, now=1010.0)  # next period


def test_two_schedulers_in_the_same_period_run_a_sweep_once(app, make_app, counting_sweep):
    other = make_app()
    assert run_sweep(app, counting_sweep) is True
    assert run_sweep(other, counting_sweep) is False
    assert runs() == 1


def test_a_sweep_still_running_is_not_started_again(app, counting_sweep):
    started, release = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        release.wait(10)

    scheduling.SWEEPS[counting_sweep] = Sweep(counting_sweep, slow, seconds=0.001)
    worker = threading.Thread(target=run_sweep, args=(app, counting_sweep))
    worker.start()
    assert started.wait(10)
    assert run_sweep(app, counting_sweep) is False  # a new period, but the run holds the lock
    release.set()
    worker.join(10)


def test_a_failing_sweep_is_logged_not_raised(app, caplog):
    def broken() -> None:
        raise RuntimeError("boom")

    scheduling.register_sweep("test-broken", seconds=3600)(broken)
    try:
        with caplog.at_level(logging.ERROR):
            assert run_sweep(app, "test-broken") is False
        assert "sweep test-broken failed" in caplog.text
    finally:
        scheduling.SWEEPS.pop("test-broken")


def test_the_scheduler_has_one_job_per_registered_sweep(app, counting_sweep):
    scheduler = build_scheduler(app)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == set(scheduling.SWEEPS)
    assert {"scheduler-heartbeat", counting_sweep} <= ids


def test_heartbeat_is_visible_to_the_status_page(app):
    assert scheduling.scheduler_last_seen() is None
    scheduling.record_heartbeat()
    assert scheduling.scheduler_last_seen() is not None
