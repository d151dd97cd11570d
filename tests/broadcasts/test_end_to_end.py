"""Broadcasts against the live sandbox with real worker and scheduler processes: a worker killed
mid-broadcast, rate limits and a dead token, and two schedulers. The sandbox's threads are the
proof: nobody gets the message twice, everyone eligible gets it (but for one uncertain batch)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.broadcasts import lifecycle, services
from app.broadcasts.models import (
    PAUSED_FOR_RECONNECT,
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientStatus,
)
from app.core.db import utcnow
from app.core.facebook import graph_for_user
from app.core.messages.models import Message
from app.core.models import Page, PageStatus
from app.core.pages import refresh_page_tokens
from app.core.queue import DEFAULT, get_queue
from app.core.subscribers.models import Subscriber
from app.extensions import db
from tests.broadcasts.conftest import make_broadcast, text_content
from tests.factories import SubscriberFactory, UserFactory
from tests.support.sandbox import ALL_SCOPES, connect_programmatically
from tests.support.servers import wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent.parent
TEXT = "Spring sale: 20% off for {{first_name|you}}!"


class Processes:
    """Herald's worker and scheduler processes of one test, stopped at its end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: list[subprocess.Popen[str]] = []

    def start(self, role: str = "worker") -> subprocess.Popen[str]:
        command = [sys.executable, "worker.py"] + (["scheduler"] if role == "scheduler" else [])
        # Its own process group: a worker forks RQ's scheduler, which must go down with it.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.running.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
        """Signal the process and everything it forked (as when its machine dies)."""
        os.killpg(process.pid, sig)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def processes(child_env, sandbox):
    env = {
        **child_env,
        "GRAPH_API_URL": sandbox.url,
        "FACEBOOK_WWW_URL": sandbox.url,
        "BROADCAST_SLICE_SECONDS": "3",
        "BROADCAST_BACKOFF_CAP": "2",
    }
    group = Processes(env)
    yield group
    group.stop_all()


def audience(herald, sandbox, size: int, *, outside: int = 0):
    """`size` people who wrote to the Page within the day (`outside` of them 2 days ago), known
    to Herald as subscribers; the Page connected as `herald up` would."""
    world = sandbox.world(pages=1, people=1)
    page_id = world["pages"][0]["id"]
    people = []
    for index in range(size):
        person = sandbox.post("/people", first_name=f"P{index}", last_name="Tester")
        at = utcnow() - (timedelta(hours=48) if index < outside else timedelta(minutes=30))
        psid = sandbox.say(person["id"], page_id, "Hello", at=at.isoformat())["psid"]
        people.append((psid, at))
    sandbox.post("/settings", conversations_rate_limit=0)  # connecting may import them all
    owner = UserFactory(email="dana@example.com")
    connect_programmatically(herald, sandbox, owner, world)  # no webhooks for the messages above
    get_queue(DEFAULT).empty()  # a queued conversation import would take a while: not under test
    page = db.session.scalars(select(Page)).one()
    known = set(db.session.scalars(select(Subscriber.psid)))
    for index, (psid, at) in enumerate(people):
        if psid not in known:
            SubscriberFactory(page=page, psid=psid, first_name=f"P{index}", last_inbound_at=at)
    return page, owner, world


def status_of(broadcast: Broadcast) -> BroadcastStatus:
    db.session.expire_all()
    return db.session.get(Broadcast, broadcast.id).status


def count(status: RecipientStatus) -> int:
    db.session.expire_all()
    query = select(func.count()).where(BroadcastRecipient.status == status)
    return db.session.scalar(query)


def received(sandbox, page: Page) -> dict[str, int]:
    """How many broadcast messages each recipient's thread holds in the sandbox."""
    found = {}
    for psid in recipients_by_psid():
        thread = sandbox.thread(page.facebook_page_id, psid)
        found[psid] = sum(
            1 for m in thread if m["direction"] == "out" and "Spring sale" in (m["text"] or "")
        )
    return found


def recipients_by_psid() -> dict[str, BroadcastRecipient]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Subscriber.psid, BroadcastRecipient).join(
            BroadcastRecipient, BroadcastRecipient.subscriber_id == Subscriber.id
        )
    ).tuples()
    return dict(rows.all())


def test_a_worker_killed_mid_broadcast_is_taken_over_without_a_second_message(
    herald, sandbox, processes
):
    page, _owner, _world = audience(herald, sandbox, 120, outside=10)
    sandbox.post("/settings", latency_ms=250)  # each batch takes a while: a kill lands mid-send
    broadcast = make_broadcast(page, content=text_content(TEXT))
    services.schedule(broadcast, None)
    processes.start("scheduler")
    doomed = processes.start()
    assert wait_until(lambda: count(RecipientStatus.SENT) >= 25, seconds=60)
    processes.kill(doomed)  # no cleanup at all, mid-batch
    assert status_of(broadcast) == BroadcastStatus.SENDING
    processes.start()
    assert wait_until(lambda: status_of(broadcast) == BroadcastStatus.COMPLETED, seconds=120)

    rows = recipients_by_psid()
    got = received(sandbox, page)
    assert max(got.values()) == 1  # nobody twice
    statuses = Counter(row.status for row in rows.values())
    assert statuses[RecipientStatus.SKIPPED] == 10  # outside the window, never sent
    assert statuses[RecipientStatus.UNCERTAIN] <= 9  # at most the one batch in flight
    for psid, row in rows.items():
        if row.status == RecipientStatus.SENT:
            assert got[psid] == 1, psid
        elif row.status == RecipientStatus.SKIPPED:
            assert got[psid] == 0, psid
        else:
            assert row.status == RecipientStatus.UNCERTAIN
    sent_messages = db.session.scalar(
        select(func.count()).select_from(Message).where(Message.origin == "broadcast")
    )
    assert sent_messages == statuses[RecipientStatus.SENT] + statuses[RecipientStatus.UNCERTAIN]
    assert sandbox.violations() == []


def reconnect(herald, sandbox, owner, world) -> None:
    """The owner logs in with Facebook again: the Page gets a fresh token."""
    token = sandbox.post("/tokens", user_id=world["user"]["id"], scopes=ALL_SCOPES)["access_token"]
    with herald.app.app_context():
        member = db.session.merge(owner)
        member.facebook_token = token
        assert graph_for_user(member).me(("id",)).id
        assert refresh_page_tokens(member)


def test_rate_limits_slow_it_and_a_dead_token_pauses_it_until_reconnected(
    herald, sandbox, processes
):
    page, owner, world = audience(herald, sandbox, 60)
    sandbox.post("/faults", kind="rate_limit", page_id=page.facebook_page_id, count=3)
    broadcast = make_broadcast(page, content=text_content(TEXT))
    services.schedule(broadcast, None)
    processes.start("scheduler")
    processes.start()
    assert wait_until(lambda: count(RecipientStatus.SENT) >= 15, seconds=60)
    sandbox.post("/faults", kind="token_invalid", page_id=page.facebook_page_id)
    assert wait_until(lambda: status_of(broadcast) == BroadcastStatus.PAUSED, seconds=60)
    db.session.expire_all()
    paused = db.session.get(Broadcast, broadcast.id)
    assert paused.pause_reason == PAUSED_FOR_RECONNECT
    assert db.session.get(Page, page.id).status == PageStatus.NEEDS_RECONNECT
    waiting = count(RecipientStatus.PENDING)
    assert waiting > 0  # the rest waits, nothing is dropped

    reconnect(herald, sandbox, owner, world)
    assert wait_until(lambda: status_of(broadcast) == BroadcastStatus.COMPLETED, seconds=90)
    got = received(sandbox, page)
    assert set(got.values()) == {1}  # everyone exactly once, despite 613s and a 190
    assert count(RecipientStatus.SENT) == 60
    assert sandbox.violations() == []


def test_two_schedulers_and_a_restart_start_a_scheduled_broadcast_once(herald, sandbox, processes):
    page, _owner, _world = audience(herald, sandbox, 20)
    broadcast = make_broadcast(page, content=text_content(TEXT))
    services.schedule(broadcast, utcnow() + timedelta(seconds=4))
    first = processes.start("scheduler")
    processes.start("scheduler")  # started by mistake
    processes.start()
    assert wait_until(lambda: status_of(broadcast) != BroadcastStatus.SCHEDULED, seconds=30)
    processes.kill(first, signal.SIGTERM)  # the scheduler restarts while it sends
    processes.start("scheduler")
    assert wait_until(lambda: status_of(broadcast) == BroadcastStatus.COMPLETED, seconds=60)
    assert set(received(sandbox, page).values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(BroadcastRecipient)) == 20
    assert lifecycle.claim_due() == []
    assert sandbox.violations() == []
