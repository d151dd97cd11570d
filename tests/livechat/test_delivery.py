"""Replies survive a worker restart (and lost queue jobs); a failed reply says why and retries."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.messages.models import Message
from app.core.messaging import requeue_waiting_messages
from app.core.models import Role
from app.extensions import db, redis_client
from app.livechat import services
from app.livechat.models import Conversation
from tests.conftest import browser_login
from tests.factories import UserFactory
from tests.support.sandbox import connect_programmatically

pytestmark = pytest.mark.integration
WORKER_ENV = ("GRAPH_API_URL", "FACEBOOK_WWW_URL")


def outbound_texts(sandbox, page_id: str, psid: str) -> list[str]:
    return [
        m["text"] for m in sandbox.thread(page_id, psid) if m["direction"] == "out" and m["text"]
    ]


def test_queued_replies_are_sent_once_after_the_worker_and_its_jobs_are_lost(
    herald, sandbox, run_worker
):
    world = sandbox.world(pages=1, people=1)
    owner = UserFactory(email="dana@example.com", role=Role.OWNER)
    connect_programmatically(herald, sandbox, owner, world)
    page_id, person = world["pages"][0]["id"], world["people"][0]["id"]
    env = dict.fromkeys(WORKER_ENV, sandbox.url)
    psid = sandbox.say(person, page_id, "Anyone there?")["psid"]
    assert run_worker(env=env).returncode == 0
    with herald.app.app_context():
        conversation = db.session.scalars(select(Conversation)).one()
        operator = db.session.merge(owner)
        for text in ("One", "Two", "Three"):
            services.reply(conversation, operator, text)
        redis_client.client.flushdb()  # the worker and Redis went down with the jobs
        # A while later, the sweep finds the messages still queued and queues them again.
        db.session.execute(update(Message).values(updated_at=utcnow().replace(year=2020)))
        db.session.commit()
        requeue_waiting_messages()
    assert run_worker(env=env).returncode == 0
    assert outbound_texts(sandbox, page_id, psid) == ["One", "Two", "Three"]
    requeue_waiting_messages()  # nothing left to send: running it again sends nothing twice
    assert run_worker(env=env).returncode == 0
    assert outbound_texts(sandbox, page_id, psid) == ["One", "Two", "Three"]


@pytest.mark.browser
def test_a_failed_reply_shows_why_and_can_be_retried(page, herald, sandbox, live_worker):
    world = sandbox.world(pages=1, people=1)
    owner = UserFactory(email="dana@example.com", role=Role.OWNER)
    connect_programmatically(herald, sandbox, owner, world)
    page_id, person = world["pages"][0]["id"], world["people"][0]["id"]
    psid = sandbox.say(person, page_id, "Hello")["psid"]
    browser_login(page, herald, owner.email)
    page.goto(f"{herald}/inbox/?folder=open")
    page.locator("#conversation-list").get_by_text("Maya Tester", exact=True).click()

    sandbox.post(f"/people/{person}/block", page_id=page_id)
    page.get_by_test_id("reply-text").fill("Are you still there?")
    page.get_by_test_id("send").click()
    failed = page.locator('[data-testid="message"][data-status="failed"]')
    failed.wait_for()
    assert "isn't available" in failed.get_by_test_id("error").inner_text()

    # The person unblocks the Page and writes again; the operator retries.
    sandbox.post(f"/people/{person}/unblock", page_id=page_id)
    sandbox.say(person, page_id, "Sorry, I'm back")
    page.locator('[data-testid="message"]', has_text="Sorry, I'm back").wait_for()
    failed.get_by_test_id("retry").click()
    page.locator('[data-testid="message"][data-status="sent"], [data-status="delivered"]').filter(
        has_text="Are you still there?"
    ).wait_for()
    assert outbound_texts(sandbox, page_id, psid).count("Are you still there?") == 1
