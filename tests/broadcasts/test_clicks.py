"""Taps are counted (tracked links, reply buttons, quick replies); echoes settle uncertain sends."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.broadcasts import lifecycle, links
from app.broadcasts.batches import claim
from app.broadcasts.models import BroadcastRecipient, RecipientStatus
from app.core.inbound import handlers_for, parse_messaging
from app.core.messages.models import Message, MessageStatus
from app.extensions import db
from tests.broadcasts.conftest import make_broadcast, subscriber, text_content
from tests.factories import PageFactory

CONTENT = text_content(
    "Spring is here!",
    buttons=[
        {"type": "web_url", "title": "Shop", "url": "https://shop.example/spring?x=1"},
        {"type": "postback", "title": "Tell me more", "payload": "MORE"},
    ],
    quick_replies=[{"title": "Yes", "payload": "YES"}],
)


@pytest.fixture
def sent(page):
    """A broadcast whose recipient row exists, as after it was sent."""
    person = subscriber(page)
    broadcast = make_broadcast(page, content=CONTENT)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    recipient = db.session.scalars(select(BroadcastRecipient)).one()
    return broadcast, person, recipient


def deliver(page, item: dict) -> None:
    """Hand a messaging event to every registered handler, as the webhook worker does."""
    event = parse_messaging(page.facebook_page_id, item)
    for handler in handlers_for(event.kind):
        handler(page, event)
    db.session.expire_all()


def event(person, **member) -> dict:
    return {
        "sender": {"id": person.psid},
        "recipient": {"id": person.page.facebook_page_id},
        "timestamp": int(time.time() * 1000),
        **member,
    }


def test_a_tracked_link_counts_the_tap_and_goes_to_the_stored_address(client, sent):
    broadcast, _person, recipient = sent
    token = links.token(broadcast.id, recipient.id, "b0")
    response = client.get(f"/b/{token}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.example/spring?x=1"
    assert response.headers["Cache-Control"] == "no-store"
    client.get(f"/b/{token}")
    db.session.expire_all()
    assert recipient.clicked_at is not None
    assert recipient.clicks == 2


@pytest.mark.parametrize("change", ["tamper", "unsigned", "other_ref", "reply_button"])
def test_forged_or_altered_links_go_nowhere(client, sent, change):
    broadcast, _person, recipient = sent
    good = links.token(broadcast.id, recipient.id, "b0")
    token = {
        "tamper": good.replace(f"{broadcast.id}-", f"{broadcast.id + 1}-", 1),
        "unsigned": f"{broadcast.id}-{recipient.id}-b0",
        "other_ref": links.token(broadcast.id, recipient.id, "b7"),
        "reply_button": links.token(broadcast.id, recipient.id, "b1"),
    }[change]
    assert client.get(f"/b/{token}").status_code == 404
    db.session.expire_all()
    assert recipient.clicks == 0


def test_link_preview_robots_and_tests_are_not_clicks(client, sent):
    broadcast, _person, recipient = sent
    token = links.token(broadcast.id, recipient.id, "b0")
    robot = {"User-Agent": "facebookexternalhit/1.1"}
    assert client.get(f"/b/{token}", headers=robot).status_code == 302
    assert client.get(f"/b/{links.token(broadcast.id, 0, 'b0')}").status_code == 302  # a test
    db.session.expire_all()
    assert recipient.clicks == 0


def test_reply_buttons_and_quick_replies_count_once_per_delivery(page, sent):
    broadcast, person, recipient = sent
    postback = event(
        person,
        postback={
            "title": "Tell me more",
            "mid": "m_pb1",
            "payload": links.wrap_payload(broadcast.id, "b1", "MORE"),
        },
    )
    deliver(page, postback)
    deliver(page, postback)  # Facebook delivered it again
    assert recipient.clicks == 1
    assert recipient.clicked_at is not None
    reply = event(
        person,
        message={
            "mid": "m_qr1",
            "text": "Yes",
            "quick_reply": {"payload": links.wrap_payload(broadcast.id, "q0", "YES")},
        },
    )
    deliver(page, reply)
    assert recipient.clicks == 2


def test_taps_on_another_pages_broadcast_or_plain_payloads_are_ignored(page, sent):
    broadcast, person, recipient = sent
    other = PageFactory(workspace=page.workspace)
    deliver(
        other, event(person, postback={"payload": links.wrap_payload(broadcast.id, "b1", "MORE")})
    )
    deliver(page, event(person, postback={"payload": "GET_STARTED", "mid": "m_pb2"}))
    assert recipient.clicks == 0


def test_an_echo_proves_an_uncertain_send_went_out(page):
    person = subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    batch = claim(broadcast, page, "0.gone.1", 9)
    message_id = batch.items[0].message_id
    db.session.execute(
        BroadcastRecipient.__table__.update().values(status=RecipientStatus.UNCERTAIN.value)
    )
    db.session.commit()
    echo = {
        "sender": {"id": page.facebook_page_id},
        "recipient": {"id": person.psid},
        "timestamp": int(time.time() * 1000),
        "message": {
            "mid": "m_echo1",
            "text": "Hi",
            "is_echo": True,
            "app_id": 1,
            "metadata": f"herald:{message_id}",
        },
    }
    deliver(page, echo)
    recipient = db.session.scalars(select(BroadcastRecipient)).one()
    assert recipient.status == RecipientStatus.SENT
    message = db.session.get(Message, message_id)
    assert (message.status, message.mid) == (MessageStatus.SENT, "m_echo1")
    assert db.session.scalar(select(Message.id).where(Message.mid == "m_echo1")) == message_id
