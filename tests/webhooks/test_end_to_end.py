"""People message a connected Page in the sandbox; real workers turn it into subscribers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.core.messages.models import Message
from app.core.policy import Window, window_state
from app.core.subscribers.models import Source, Subscriber
from app.extensions import db
from app.webhooks.models import WebhookEvent
from tests.factories import UserFactory
from tests.support.sandbox import connect_programmatically

pytestmark = pytest.mark.integration


def test_messages_postbacks_links_and_keywords_make_exact_subscribers(herald, sandbox, run_worker):
    world = sandbox.world(pages=2, people=3)
    owner = UserFactory(email="dana@example.com")
    connect_programmatically(herald, sandbox, owner, world)
    coffee, bikes = (page["id"] for page in world["pages"])
    maya, luis, priya = (person["id"] for person in world["people"])
    worker_env = {"GRAPH_API_URL": sandbox.url, "FACEBOOK_WWW_URL": sandbox.url}

    maya_psid = sandbox.say(maya, coffee, "Hello!")["psid"]
    luis_psid = sandbox.say(luis, coffee, ref="summer-sale")[
        "psid"
    ]  # new thread: Get Started + ref
    sandbox.say(
        luis, coffee, "Do you have oat milk?", at=(utcnow() - timedelta(hours=30)).isoformat()
    )
    priya_psid = sandbox.say(priya, bikes, "Hi bikes")["psid"]
    sandbox.say(priya, bikes, postback_payload="MENU")
    sandbox.say(maya, coffee, "stop")
    assert run_worker(env=worker_env).returncode == 0
    sandbox.say(maya, coffee, "start")
    sandbox.post("/faults", kind="duplicate_delivery", count=1)
    sandbox.say(priya, bikes, "Said once, delivered twice")
    result = run_worker(env=worker_env)
    assert result.returncode == 0, result.stderr

    db.session.expire_all()
    subscribers = {s.psid: s for s in db.session.scalars(select(Subscriber))}
    assert set(subscribers) == {maya_psid, luis_psid, priya_psid}
    maya_row, luis_row, priya_row = (subscribers[p] for p in (maya_psid, luis_psid, priya_psid))
    assert maya_row.name == "Maya Tester"  # the profile, fetched in the background
    assert (luis_row.source, luis_row.ref) == (Source.LINK, "summer-sale")
    assert priya_row.page.facebook_page_id == bikes
    assert maya_row.subscribed is True  # stop, then start
    assert window_state(maya_row).window == Window.OPEN
    # Luis's Get Started (now) is later than his backdated message: the window is open.
    assert window_state(luis_row).window == Window.OPEN

    texts = [m["text"] for m in sandbox.thread(coffee, maya_psid) if m["direction"] == "out"]
    assert any("unsubscribed from Acme Coffee" in text for text in texts)
    assert any("subscribed to Acme Coffee again" in text for text in texts)
    confirmations = [m for m in sandbox.thread(coffee, maya_psid) if m["direction"] == "out"]
    assert {m["messaging_type"] for m in confirmations} == {"RESPONSE"}

    priya_messages = db.session.scalars(
        select(Message.text).where(Message.subscriber_id == priya_row.id, Message.direction == "in")
    ).all()
    assert priya_messages.count("Said once, delivered twice") == 1
    deliveries = [e for e in db.session.scalars(select(WebhookEvent)) if b"Said once" in e.body]
    assert len(deliveries) == 2  # the fault really delivered it twice
    assert sandbox.violations() == []
