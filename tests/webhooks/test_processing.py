"""A corpus of real payload shapes, sent signed over HTTP, gives exactly the expected rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import inbound
from app.core.db import utcnow
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import PageStatus
from app.core.queue import queue_lengths
from app.core.subscribers.models import Source, Subscriber
from app.extensions import db
from app.webhooks import tasks
from app.webhooks.models import EventStatus, WebhookEvent
from tests.factories import PageFactory, SubscriberFactory
from tests.support.webhooks import body_of, payload, post

PAGE_ID = "1010000000001"


@pytest.fixture
def page(app):
    return PageFactory(facebook_page_id=PAGE_ID, name="Acme Coffee")


def deliver(client, name_or_body, **kwargs) -> WebhookEvent:
    data = payload(name_or_body, **kwargs) if isinstance(name_or_body, str) else name_or_body
    assert post(client, data).status_code == 200
    stored = db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id.desc())).first()
    tasks.process_event(stored.id)  # what the worker runs
    db.session.expire_all()
    return db.session.get(WebhookEvent, stored.id)


def subscribers() -> list[Subscriber]:
    return list(db.session.scalars(select(Subscriber).order_by(Subscriber.psid)))


def messages() -> list[Message]:
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def test_a_text_message_creates_a_subscriber_and_its_message(client, page):
    stored = deliver(client, "message_text")
    assert stored.status == EventStatus.PROCESSED
    assert stored.items == 1
    (subscriber,) = subscribers()
    assert (subscriber.psid, subscriber.page_id, subscriber.source) == (
        "7000000000000001",
        page.id,
        Source.ORGANIC,
    )
    assert utcnow() - subscriber.last_inbound_at < timedelta(minutes=2)
    (message,) = messages()
    assert (message.direction, message.kind, message.mid) == (Direction.IN, "text", "m_text_1")
    assert message.text == "Hi! Do you deliver to Lisbon?"
    assert queue_lengths()["default"] == 1  # the profile fetch, off the ingest path


def test_a_duplicate_delivery_changes_nothing(client, page):
    data = payload("message_text")
    deliver(client, data)
    before = (subscribers()[0].last_inbound_at, len(messages()))
    again = deliver(client, data)
    assert again.status == EventStatus.PROCESSED
    assert (subscribers()[0].last_inbound_at, len(messages())) == before
    assert len(subscribers()) == 1


def test_reordered_events_never_move_the_clock_back(client, page):
    deliver(client, "message_quick_reply")  # the later event arrives first
    later = subscribers()[0].last_inbound_at
    deliver(client, "message_text")
    (subscriber,) = subscribers()
    assert subscriber.last_inbound_at == later
    assert subscriber.first_seen_at < later  # the earlier event pulls first-seen back


def test_attachments_quick_replies_and_deletions_are_recorded(client, page):
    for name in ("message_attachments", "message_quick_reply", "message_deleted"):
        deliver(client, name)
    attachment, quick_reply, deleted = messages()
    assert attachment.kind == "attachment"
    assert len(attachment.payload["attachments"]) == 2
    assert (quick_reply.kind, quick_reply.payload["quick_reply"]) == (
        "quick_reply",
        "ORDER_ESPRESSO",
    )
    assert quick_reply.payload["reply_to"] == "m_out_1"
    assert deleted.payload["deleted"] is True


def test_get_started_with_a_ref_attributes_the_new_subscriber(client, page):
    deliver(client, "postback_get_started")
    (subscriber,) = subscribers()
    assert (subscriber.source, subscriber.ref) == (Source.LINK, "summer-sale")
    (message,) = messages()
    assert (message.kind, message.payload["payload"], message.payload["ref"]) == (
        "postback",
        "GET_STARTED",
        "summer-sale",
    )


def test_a_referral_on_an_existing_thread_opens_the_window_but_keeps_the_source(client, page):
    existing = SubscriberFactory(
        page=page, psid="7000000000000001", last_inbound_at=utcnow() - timedelta(days=3)
    )
    deliver(client, "referral_existing")
    db.session.refresh(existing)
    assert utcnow() - existing.last_inbound_at < timedelta(minutes=2)
    assert existing.source == Source.ORGANIC
    assert messages()[0].kind == "referral"


def test_ads_plugins_and_phone_invites_are_their_own_sources(client, page):
    for name in ("referral_ad", "optin", "prior_message"):
        deliver(client, name)
    by_psid = {s.psid: s for s in subscribers()}
    assert by_psid["7000000000000003"].source == Source.AD
    assert (by_psid["7000000000000004"].source, by_psid["7000000000000004"].ref) == (
        Source.PLUGIN,
        "website-checkbox",
    )
    invited = by_psid["7000000000000005"]
    assert (invited.source, invited.phone_number) == (Source.PHONE_INVITE, "+14155550123")


def test_echoes_from_elsewhere_are_recorded_and_ours_are_not_doubled(client, page):
    deliver(client, "message_text")
    subscriber = subscribers()[0]
    ours = Message(
        workspace_id=page.workspace_id,
        page_id=page.id,
        subscriber_id=subscriber.id,
        direction=Direction.OUT,
        kind="text",
        text="Ours",
        payload={},
        sent_at=utcnow(),
        status=MessageStatus.UNCERTAIN,
        origin="livechat",
    )
    db.session.add(ours)
    db.session.commit()
    echo = payload("echo_inbox")
    echo["entry"][0]["messaging"][0]["message"].update(
        mid="m_ours_1", metadata=f"herald:{ours.id}", app_id=100000000000001
    )
    deliver(client, echo)
    deliver(client, "echo_inbox")
    db.session.refresh(ours)
    assert (ours.mid, ours.status) == ("m_ours_1", MessageStatus.SENT)
    inbox = [m for m in messages() if m.origin == "page_inbox"]
    assert len(inbox) == 1
    assert inbox[0].text == "Yes, we deliver everywhere in Lisbon."
    assert subscribers()[0].last_outbound_at is not None


def test_delivery_and_read_watermarks_tick_outbound_messages(client, page):
    for name in ("message_text", "echo_inbox", "delivery"):
        deliver(client, name)
    outbound = next(m for m in messages() if m.direction == Direction.OUT)
    assert outbound.status == MessageStatus.DELIVERED
    deliver(client, "read")
    db.session.refresh(outbound)
    assert outbound.status == MessageStatus.READ
    subscriber = subscribers()[0]
    assert subscriber.read_watermark >= subscriber.delivered_watermark


def test_batched_entries_are_all_processed_for_their_own_pages(client, page):
    other = PageFactory(facebook_page_id="2020000000002")
    stored = deliver(client, "batched")
    assert stored.items == 4
    ours = [s.psid for s in subscribers() if s.page_id == page.id]
    theirs = [s for s in subscribers() if s.page_id == other.id]
    assert ours == ["7000000000000006", "7000000000000007"]
    assert [s.workspace_id for s in theirs] == [other.workspace_id]
    assert len(messages()) == 4


def test_events_of_unknown_pages_are_kept_and_change_nothing(client):
    stored = deliver(client, "message_text")
    assert stored.status == EventStatus.PROCESSED
    assert subscribers() == []


def test_events_of_a_disconnected_page_are_still_recorded(client, page):
    page.status = PageStatus.DISCONNECTED
    db.session.commit()
    deliver(client, "message_text")
    assert len(subscribers()) == 1


def test_events_go_to_the_live_connection_not_a_disconnected_one(client, page):
    page.status = PageStatus.DISCONNECTED
    db.session.commit()
    now_connected_elsewhere = PageFactory(facebook_page_id=PAGE_ID, name="Acme Coffee (new)")
    deliver(client, "message_text")
    assert [s.page_id for s in subscribers()] == [now_connected_elsewhere.id]


def test_a_body_that_is_not_a_page_webhook_is_flagged(client, page):
    stored = deliver(client, "instagram_object")
    assert stored.status == EventStatus.MALFORMED
    assert "object" in stored.error
    assert subscribers() == []


def test_an_unknown_item_is_skipped_without_losing_the_rest_of_the_delivery(client, page):
    data = payload("message_text")
    unknown = payload("unknown_shape")["entry"][0]
    data["entry"].append(unknown)
    data["entry"].append({"id": PAGE_ID, "time": 1, "messaging": ["not an object"]})
    stored = deliver(client, data)
    assert stored.status == EventStatus.PROCESSED
    assert stored.items == 1
    assert stored.error.startswith("skipped 2:")
    assert [m.text for m in messages()] == ["Hi! Do you deliver to Lisbon?"]


def test_bodies_that_are_not_json_are_flagged(client, page):
    post(client, b"\x00not json")
    stored = db.session.scalars(select(WebhookEvent)).one()
    tasks.process_event(stored.id)
    db.session.refresh(stored)
    assert stored.status == EventStatus.MALFORMED


def test_feed_changes_reach_registered_handlers_but_not_the_pages_own(client, page):
    seen = []
    inbound.on_feed("test-recorder")(
        lambda p, change: seen.append((p.id, change.value["comment_id"]))
    )
    try:
        deliver(client, "feed_comment")
        deliver(client, "feed_comment_by_page")
    finally:
        inbound.FEED_HANDLERS.pop("test-recorder")
    assert seen == [(page.id, "901097836652708_903438993085259")]


def test_stop_and_start_change_the_subscription_and_confirm(client, page):
    deliver(client, "message_text")
    stop = payload("stop")
    deliver(client, stop)
    (subscriber,) = subscribers()
    assert subscriber.subscribed is False
    confirmation = [m for m in messages() if m.origin == "system"]
    assert len(confirmation) == 1
    assert "unsubscribed" in confirmation[0].text
    assert queue_lengths()["sends"] == 1
    deliver(client, stop)  # a repeated delivery sends no second confirmation
    assert len([m for m in messages() if m.origin == "system"]) == 1
    deliver(client, "start")
    assert subscribers()[0].subscribed is True
    assert (
        "subscribed to Acme Coffee again"
        in [m for m in messages() if m.origin == "system"][-1].text
    )


def test_the_sweep_requeues_deliveries_never_processed(client, page):
    post(client, body_of(payload("message_text")))
    stored = db.session.scalars(select(WebhookEvent)).one()
    stored.received_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    from app.extensions import redis_client

    redis_client.client.flushdb()  # the job was lost with Redis
    tasks.requeue_unprocessed()
    assert queue_lengths()["webhooks"] == 1


def test_a_drain_processes_everything_pending_and_survives_a_bad_event(client, page):
    for name in ("message_text", "unknown_shape", "message_quick_reply"):
        post(client, body_of(payload(name)))
    post(client, b"{broken")
    assert tasks.drain(0) + tasks.drain(1) + tasks.drain(2) + tasks.drain(3) == 4
    statuses = [
        e.status for e in db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))
    ]
    assert statuses == [
        EventStatus.PROCESSED,
        EventStatus.PROCESSED,  # its one unknown item is skipped and named
        EventStatus.PROCESSED,
        EventStatus.MALFORMED,
    ]
    assert len(messages()) == 2


def test_events_popped_by_a_worker_that_died_are_found_by_the_sweep(client, page):
    from app.extensions import redis_client
    from app.webhooks.receiver import PENDING_KEY

    post(client, body_of(payload("message_text")))
    redis_client.client.lpop(PENDING_KEY, 100)  # taken, then the worker crashed
    stored = db.session.scalars(select(WebhookEvent)).one()
    stored.received_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    tasks.requeue_unprocessed()
    assert [int(i) for i in redis_client.client.lrange(PENDING_KEY, 0, -1)] == [stored.id]
    for slot in range(4):
        tasks.drain(slot)
    assert len(subscribers()) == 1
