"""A broadcast's life: due exactly once, recipients once, dead senders' batches never resent."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.broadcasts import lanes, lifecycle, services, watch
from app.broadcasts.batches import claim
from app.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from app.broadcasts.services import BroadcastError
from app.core import scheduling
from app.core.db import utcnow
from app.core.messages.models import Message, MessageStatus
from app.core.scheduling import SWEEPS, run_sweep
from app.extensions import db, redis_client
from tests.broadcasts.conftest import make_broadcast, queued_functions, subscriber, text_content


def test_a_due_broadcast_is_started_once_by_two_schedulers_and_a_restart(page, make_app):
    subscriber(page)
    broadcast = make_broadcast(page)
    services.schedule(broadcast, utcnow() + timedelta(minutes=5), "Europe/Lisbon")
    assert lifecycle.claim_due() == []  # not due yet
    db.session.execute(
        Broadcast.__table__.update().values(scheduled_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    first, second = make_app(), make_app()
    with first.app_context():
        started_by_first = lifecycle.claim_due()
    with second.app_context():
        started_by_second = lifecycle.claim_due()
    assert (started_by_first, started_by_second) == ([broadcast.id], [])
    with first.app_context():
        assert lifecycle.claim_due() == []  # after a restart: still started only once
    db.session.expire_all()
    assert broadcast.status == BroadcastStatus.SENDING
    assert broadcast.started_at is not None


def test_the_sweep_queues_the_start_of_due_broadcasts_once(app, page, monkeypatch):
    # Both runs in one period of the one-second sweep, however slow the machine is.
    monkeypatch.setattr(scheduling, "time", SimpleNamespace(time=lambda: 1_800_000_000.5))
    subscriber(page)
    broadcast = make_broadcast(page)
    services.schedule(broadcast, utcnow() + timedelta(hours=1))
    db.session.execute(Broadcast.__table__.update().values(scheduled_at=utcnow()))
    db.session.commit()
    assert run_sweep(app, "broadcasts-due")
    assert not run_sweep(app, "broadcasts-due")  # the same period: another scheduler skips it
    assert queued_functions().count("app.broadcasts.lifecycle.prepare") == 1
    assert SWEEPS["broadcasts-due"].seconds == 1


def test_recipients_are_created_once_however_often_the_start_runs(page):
    for _ in range(5):
        subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    assert not lifecycle.start(broadcast)
    for _ in range(3):
        lifecycle.prepare(broadcast.id)
    total = db.session.scalar(select(func.count()).select_from(BroadcastRecipient))
    assert total == broadcast.total_recipients == 5
    assert queued_functions().count("app.broadcasts.lanes.run_lane") == lanes.lane_count()


def test_a_broadcast_moved_later_before_the_claim_is_not_started(page, monkeypatch):
    broadcast = make_broadcast(page)
    services.schedule(broadcast, utcnow() + timedelta(hours=1))
    db.session.execute(Broadcast.__table__.update().values(scheduled_at=utcnow()))
    db.session.commit()
    read_due = db.session.scalars

    def read_then_moved_to_tomorrow(*args, **kwargs):
        due = list(read_due(*args, **kwargs))
        # Between the scheduler's read and its claim, the marketer moves it to tomorrow.
        tomorrow = utcnow() + timedelta(days=1)
        db.session.execute(Broadcast.__table__.update().values(scheduled_at=tomorrow))
        return due

    monkeypatch.setattr(db.session, "scalars", read_then_moved_to_tomorrow)
    assert lifecycle.claim_due() == []
    monkeypatch.undo()
    db.session.expire_all()
    assert broadcast.status == BroadcastStatus.SCHEDULED


def test_a_cancel_while_the_start_job_waits_leaves_no_recipients(page):
    for _ in range(3):
        subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.cancel(broadcast)
    lifecycle._create_recipients(broadcast)  # the start job, already past its status check
    assert db.session.scalar(select(func.count()).select_from(BroadcastRecipient)) == 0
    assert broadcast.prepared_at is None


def test_an_empty_audience_completes_at_once(page):
    broadcast = make_broadcast(page, audience={"filter": {"tags_any": ["nobody"]}})
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    assert broadcast.status == BroadcastStatus.COMPLETED
    assert broadcast.total_recipients == 0


def test_content_and_time_change_only_until_it_starts(page):
    broadcast = make_broadcast(page)
    services.schedule(broadcast, utcnow() + timedelta(days=1), "America/New_York")
    assert (broadcast.status, broadcast.timezone) == (BroadcastStatus.SCHEDULED, "America/New_York")
    draft = services.Draft(page.id, "Renamed", text_content("New text"), {})
    services.change(broadcast, draft)
    assert broadcast.message["text"] == "New text"
    services.unschedule(broadcast)
    assert broadcast.status == BroadcastStatus.DRAFT
    lifecycle.start(broadcast)
    with pytest.raises(BroadcastError, match="sending: it can no longer change"):
        services.change(broadcast, draft)
    with pytest.raises(BroadcastError):
        services.schedule(broadcast, None)


def test_pause_resume_and_cancel_follow_the_rules(page):
    subscriber(page)
    broadcast = make_broadcast(page)
    with pytest.raises(BroadcastError):
        services.pause(broadcast, "Mia")
    lifecycle.start(broadcast)
    services.pause(broadcast, "Mia")
    assert (broadcast.status, broadcast.pause_reason) == (BroadcastStatus.PAUSED, "Paused by Mia")
    services.resume(broadcast)
    assert broadcast.status == BroadcastStatus.SENDING
    services.cancel(broadcast)
    assert broadcast.status == BroadcastStatus.CANCELLED
    with pytest.raises(BroadcastError):
        services.resume(broadcast)


def claimed_by_dead_sender(broadcast, page, size=3):
    """A batch claimed by lane 0 of a job that then died (its lock is gone)."""
    batch = claim(broadcast, page, "0.deadbeef.1", size)
    db.session.execute(
        BroadcastRecipient.__table__.update().values(claimed_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    return batch


def test_a_dead_senders_batch_becomes_uncertain_and_is_never_sent_again(page):
    for _ in range(5):
        subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    batch = claimed_by_dead_sender(broadcast, page)
    # The echo of one message arrived before the sender died: it certainly went out.
    echoed = db.session.get(Message, batch.items[0].message_id)
    echoed.status = MessageStatus.SENT
    db.session.commit()
    watch.reconcile(broadcast.id)
    statuses = {
        row.id: row.status
        for row in db.session.scalars(select(BroadcastRecipient).order_by(BroadcastRecipient.id))
    }
    claimed = [item.recipient_id for item in batch.items]
    assert statuses[claimed[0]] == RecipientStatus.SENT
    assert {statuses[i] for i in claimed[1:]} == {RecipientStatus.UNCERTAIN}
    assert [s for i, s in statuses.items() if i not in claimed] == [RecipientStatus.PENDING] * 2
    assert "app.broadcasts.lanes.run_lane" in queued_functions()  # the rest continues


def test_a_live_senders_batch_is_left_alone(page):
    subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    lock = redis_client.client.lock(lanes.lane_key(broadcast.id, 0), timeout=30, thread_local=False)
    assert lock.acquire(blocking=False)
    token = lock.local.token.decode()
    batch = claim(broadcast, page, f"0.{token}.1", 3)
    db.session.execute(
        BroadcastRecipient.__table__.update().values(claimed_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    assert watch.settle_dead_batches(broadcast.id) == 0
    row = db.session.get(BroadcastRecipient, batch.items[0].recipient_id)
    assert row.status == RecipientStatus.SENDING


def test_a_dead_senders_batch_in_a_cancelled_broadcast_is_settled(app, page):
    for _ in range(3):
        subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    batch = claimed_by_dead_sender(broadcast, page, size=2)
    lifecycle.cancel(broadcast)
    watch.watch()
    assert queued_functions().count("app.broadcasts.watch.reconcile") == 1
    watch.reconcile(broadcast.id)
    statuses = [
        db.session.get(BroadcastRecipient, item.recipient_id).status for item in batch.items
    ]
    assert statuses == [RecipientStatus.UNCERTAIN] * 2


def test_the_watch_sweep_looks_after_active_broadcasts_only(app, page):
    sending = make_broadcast(page)
    lifecycle.start(sending)
    make_broadcast(page, name="A draft")
    watch.watch()
    assert queued_functions().count("app.broadcasts.watch.reconcile") == 1
