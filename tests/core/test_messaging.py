"""Sending one message: queue_message, deliver_message and the requeue sweep, against mocked Graph.

`deliver_message` runs in the test process; the jobs it schedules go to the test Redis and are
inspected, never run. Graph is mocked with `responses` at the exact Send API URL built from the
app's GRAPH_API_URL and GRAPH_API_VERSION, and its errors are Meta's own replies from
tests/payloads/graph.

"Meanwhile" effects (another worker claiming a message or a Human Agent slot, a webhook marking
a message delivered while the send is in flight) are written through a separate database
connection that commits on its own, as another process would.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from app.core import content, messaging, policy
from app.core.db import utcnow
from app.core.inbound import Kind, MessagingEvent
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.messaging import (
    TRANSIENT_RETRIES,
    deliver_message,
    kind_of,
    queue_message,
    requeue_waiting_messages,
)
from app.core.models import Page, PageStatus
from app.core.queue import SENDS, get_queue
from app.core.ratelimit import PageBucket, pace_for
from app.core.subscribers.ingest import on_watermark
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client
from tests.core.graph.helpers import add_payload, expected_proof, load_payload
from tests.factories import PageFactory, SubscriberFactory, UserFactory

PAGE_ID = "104857600123456"  # the Page of the BUC usage header in error_613.json
PSID = "6021857384012345"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
HELLO = {"text": "Your order has shipped!"}


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def page(app) -> Page:
    return PageFactory(facebook_page_id=PAGE_ID, name="Acme Coffee")


@pytest.fixture
def operator(page):
    return UserFactory(workspace=page.workspace)


def person(page: Page, *, hours: float = 1, **fields: Any) -> Subscriber:
    """A subscriber of `page` who last wrote `hours` ago."""
    return SubscriberFactory(
        page=page,
        psid=fields.pop("psid", PSID),
        last_inbound_at=utcnow() - timedelta(hours=hours),
        **fields,
    )


@pytest.fixture
def subscriber(page) -> Subscriber:
    return person(page)


@pytest.fixture
def send_url(app) -> str:
    base, version = app.config["GRAPH_API_URL"], app.config["GRAPH_API_VERSION"]
    return f"{base}/{version}/{PAGE_ID}/messages"


def succeed(graph: responses.RequestsMock, url: str, mid: str = MID) -> None:
    graph.post(url, json={"recipient_id": PSID, "message_id": mid})


def fail(graph: responses.RequestsMock, url: str, payload: str) -> None:
    add_payload(graph, "POST", url, payload)


def posted(call: Any) -> dict[str, Any]:
    """The form fields of a Send API call, with recipient and message decoded."""
    body = call.request.body
    fields = dict(parse_qsl(body.decode() if isinstance(body, bytes) else body))
    return {
        **fields,
        "recipient": json.loads(fields["recipient"]),
        "message": json.loads(fields["message"]),
    }


def fresh(message: Message | int) -> Message:
    """The message as the database has it now."""
    db.session.expire_all()
    return db.session.get(Message, message if isinstance(message, int) else message.id)


def fresh_subscriber(subscriber_id: int) -> Subscriber:
    db.session.expire_all()
    return db.session.get(Subscriber, subscriber_id)


def queued_jobs() -> list[str]:
    return get_queue(SENDS).job_ids


def scheduled() -> ScheduledJobRegistry:
    return ScheduledJobRegistry(queue=get_queue(SENDS))


def scheduled_jobs() -> list[str]:
    return scheduled().get_job_ids()


def scheduled_at(job_id: str) -> datetime:
    return scheduled().get_scheduled_time(job_id).astimezone(UTC)


def elsewhere(statement: Any) -> None:
    """Run a write on a connection of its own, committed at once (another process's write)."""
    with db.engine.begin() as connection:
        connection.execute(statement)


def meanwhile(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run `action` after the policy decided and before the message is claimed."""
    decide = policy.decide

    def decide_then_act(*args: Any, **kwargs: Any) -> policy.Decision:
        decision = decide(*args, **kwargs)
        action()
        return decision

    monkeypatch.setattr(policy, "decide", decide_then_act)


def deliver(message_id: int) -> None:
    """Run the delivery job as a worker would: nothing cached from before in the session."""
    db.session.expire_all()
    deliver_message(message_id)


def bucket_of(app, page: Page) -> PageBucket:
    return PageBucket(redis_client.client, page.id, pace_for(app.config["SEND_RATE_LIMIT"]))


def automated(subscriber: Subscriber, **kwargs: Any) -> Message:
    return queue_message(subscriber, HELLO, origin="broadcast", **kwargs)


def from_operator(subscriber: Subscriber, author, text: str = "Sorry for the wait!") -> Message:
    return queue_message(
        subscriber, {"text": text}, origin="livechat", sender=policy.Sender.HUMAN, author=author
    )


# --- queue_message ------------------------------------------------------------------------------


def test_queue_message_stores_the_message_and_queues_its_delivery(subscriber, operator):
    message = queue_message(
        subscriber,
        {"text": "Hi"},
        origin="livechat",
        sender=policy.Sender.HUMAN,
        purpose=policy.Purpose.PROACTIVE,
        author=operator,
        origin_id=42,
    )
    stored = fresh(message)
    assert (stored.direction, stored.status, stored.kind, stored.text) == (
        Direction.OUT,
        MessageStatus.QUEUED,
        "text",
        "Hi",
    )
    assert stored.payload == {
        "message": {"text": "Hi"},
        "sender": "human",
        "purpose": "proactive",
        "tag": None,
    }
    assert (stored.workspace_id, stored.page_id, stored.subscriber_id) == (
        subscriber.workspace_id,
        subscriber.page_id,
        subscriber.id,
    )
    assert (stored.origin, stored.origin_id, stored.author_id) == ("livechat", 42, operator.id)
    assert (stored.mid, stored.messaging_type, stored.tag) == (None, None, None)
    assert queued_jobs() == [f"message-{message.id}"]
    job = get_queue(SENDS).fetch_job(f"message-{message.id}")
    assert job.func_name == "app.core.messaging.deliver_message"
    assert job.args == (message.id,)


def test_queue_message_defaults_to_an_automated_reply(subscriber):
    message = automated(subscriber, tag="ACCOUNT_UPDATE")
    assert fresh(message).payload == {
        "message": HELLO,
        "sender": "automation",
        "purpose": "reply",
        "tag": "ACCOUNT_UPDATE",
    }


def test_content_messenger_would_refuse_is_never_stored(subscriber):
    with pytest.raises(content.ContentError):
        queue_message(subscriber, {"text": "x" * 2000}, origin="broadcast")
    assert db.session.scalars(select(Message)).all() == []
    assert queued_jobs() == []


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ({"text": "hi"}, "text"),
        (
            {"attachment": {"type": "image", "payload": {"url": "https://x.test/a.png"}}},
            "attachment",
        ),
        ({"attachment": {"type": "template", "payload": {"template_type": "button"}}}, "template"),
        ({"text": "hi", "attachment": None}, "text"),
    ],
)
def test_kind_of(message, kind):
    assert kind_of(message) == kind


# --- a send that goes well ----------------------------------------------------------------------


def test_a_reply_in_the_window_is_sent_once_as_a_response(app, graph, send_url, subscriber, page):
    succeed(graph, send_url)
    message = automated(subscriber)

    deliver(message.id)
    deliver(message.id)  # jobs may run twice: the second finds it sent

    assert len(graph.calls) == 1
    fields = posted(graph.calls[0])
    token = page.access_token
    assert fields == {
        "recipient": {"id": PSID},
        "message": {**HELLO, "metadata": f"herald:{message.id}"},
        "messaging_type": "RESPONSE",
        "access_token": token,
        "appsecret_proof": expected_proof(token, app.config["FACEBOOK_APP_SECRET"]),
    }
    sent = fresh(message)
    assert (sent.status, sent.mid, sent.messaging_type, sent.tag, sent.error) == (
        MessageStatus.SENT,
        MID,
        "RESPONSE",
        None,
        None,
    )
    assert fresh_subscriber(subscriber.id).last_outbound_at == sent.sent_at
    assert scheduled_jobs() == []


def test_a_proactive_message_in_the_window_is_an_update(graph, send_url, subscriber):
    succeed(graph, send_url)
    message = automated(subscriber, purpose=policy.Purpose.PROACTIVE)
    deliver(message.id)
    assert posted(graph.calls[0])["messaging_type"] == "UPDATE"
    assert fresh(message).messaging_type == "UPDATE"


def test_an_update_tag_is_sent_outside_the_window(graph, send_url, page):
    subscriber = person(page, hours=72)
    succeed(graph, send_url)
    message = automated(subscriber, tag="POST_PURCHASE_UPDATE")
    deliver(message.id)
    fields = posted(graph.calls[0])
    assert (fields["messaging_type"], fields["tag"]) == ("MESSAGE_TAG", "POST_PURCHASE_UPDATE")
    sent = fresh(message)
    assert (sent.status, sent.messaging_type, sent.tag) == (
        MessageStatus.SENT,
        "MESSAGE_TAG",
        "POST_PURCHASE_UPDATE",
    )


def test_the_send_time_is_taken_when_the_message_is_claimed(graph, send_url, subscriber):
    succeed(graph, send_url)
    message = automated(subscriber)
    queued_at = fresh(message).sent_at
    deliver(message.id)
    assert fresh(message).sent_at >= queued_at


def test_a_message_claimed_by_another_worker_meanwhile_is_not_sent(
    graph, send_url, subscriber, monkeypatch
):
    message = automated(subscriber)
    meanwhile(
        monkeypatch,
        lambda: elsewhere(
            update(Message).where(Message.id == message.id).values(status=MessageStatus.UNCERTAIN)
        ),
    )
    deliver(message.id)
    assert len(graph.calls) == 0  # responses refuses unregistered calls; none was made
    assert fresh(message).status == MessageStatus.UNCERTAIN


def test_a_message_that_no_longer_exists_is_ignored(graph, app):
    deliver(999_999)
    assert len(graph.calls) == 0


@pytest.mark.parametrize(
    "status",
    [MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.REFUSED, MessageStatus.UNCERTAIN],
)
def test_only_queued_or_held_messages_are_delivered(graph, subscriber, status):
    message = automated(subscriber)
    elsewhere(update(Message).where(Message.id == message.id).values(status=status))
    deliver(message.id)
    assert len(graph.calls) == 0
    assert fresh(message).status == status


# --- refused by the policy: never sent ----------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "fields", "kwargs", "reason"),
    [
        (1, {"subscribed": False}, {}, "unsubscribed"),
        (30, {}, {}, "outside_window"),
        (1, {}, {"tag": "SHIPPING_UPDATE"}, "retired_tag"),
        (1, {}, {"tag": "HUMAN_AGENT"}, "human_agent_automation"),
        (1, {"unreachable": True}, {}, "unreachable"),
    ],
)
def test_automation_the_policy_refuses_is_never_sent(graph, page, hours, fields, kwargs, reason):
    subscriber = person(page, hours=hours, **fields)
    message = automated(subscriber, **kwargs)
    deliver(message.id)
    assert len(graph.calls) == 0
    refused = fresh(message)
    assert (refused.status, refused.error) == (MessageStatus.REFUSED, policy.EXPLANATIONS[reason])
    assert (refused.messaging_type, refused.tag, refused.mid) == (None, None, None)
    assert scheduled_jobs() == []


def test_a_human_reply_after_7_days_is_refused(graph, page, operator):
    subscriber = person(page, hours=24 * 7 + 1)
    message = from_operator(subscriber, operator)
    deliver(message.id)
    assert len(graph.calls) == 0
    refused = fresh(message)
    assert (refused.status, refused.error) == (MessageStatus.REFUSED, policy.EXPLANATIONS["closed"])


def test_a_service_message_reaches_someone_who_just_unsubscribed(graph, send_url, page):
    subscriber = person(page, hours=0.01, subscribed=False)
    succeed(graph, send_url)
    message = automated(subscriber, purpose=policy.Purpose.SERVICE)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.SENT


# --- held while an operator is active -----------------------------------------------------------


def test_automation_is_held_while_an_operator_talks_then_sent(graph, send_url, page):
    active = utcnow() - timedelta(minutes=5)
    subscriber = person(page, operator_active_at=active)
    message = automated(subscriber)
    before = utcnow()

    deliver(message.id)

    assert len(graph.calls) == 0
    held = fresh(message)
    assert held.status == MessageStatus.HELD
    assert held.updated_at >= before
    until = fresh_subscriber(subscriber.id).operator_active_at + timedelta(minutes=30)
    job_id = f"message-{message.id}-held{int(until.timestamp())}"
    assert scheduled_jobs() == [job_id]
    assert abs(scheduled_at(job_id) - until) < timedelta(seconds=2)

    # The operator went quiet; the held job runs.
    elsewhere(
        update(Subscriber)
        .where(Subscriber.id == subscriber.id)
        .values(operator_active_at=utcnow() - timedelta(minutes=31))
    )
    succeed(graph, send_url)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.SENT
    assert len(graph.calls) == 1


def test_the_hold_follows_the_workspace_setting(graph, page):
    page.workspace.settings = {**page.workspace.settings, "operator_hold_minutes": 60}
    db.session.commit()
    subscriber = person(page, operator_active_at=utcnow() - timedelta(minutes=45))
    message = automated(subscriber)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.HELD
    (job_id,) = scheduled_jobs()
    assert scheduled_at(job_id) - utcnow() > timedelta(minutes=14)


# --- the Page cannot send -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [PageStatus.NEEDS_RECONNECT, PageStatus.DISCONNECTED])
def test_a_message_waits_queued_while_its_page_is_not_connected(graph, page, status):
    subscriber = person(page)
    message = automated(subscriber)
    page.status = status
    db.session.commit()

    deliver(message.id)

    assert len(graph.calls) == 0
    waiting = fresh(message)
    assert (waiting.status, waiting.error) == (MessageStatus.QUEUED, None)
    assert scheduled_jobs() == []  # the sweep sends it once the Page is reconnected


def test_a_held_message_returns_to_the_queue_when_its_page_is_disconnected(graph, page):
    subscriber = person(page, operator_active_at=utcnow() - timedelta(minutes=1))
    message = automated(subscriber)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.HELD
    page.status = PageStatus.NEEDS_RECONNECT
    db.session.commit()
    deliver(message.id)
    assert len(graph.calls) == 0
    assert fresh(message).status == MessageStatus.QUEUED


# --- Graph errors, as Meta returns them ---------------------------------------------------------


def test_a_rate_limit_puts_the_message_back_and_pauses_the_page(app, graph, send_url, page):
    subscriber = person(page)
    fail(graph, send_url, "error_613.json")
    message = automated(subscriber)

    deliver(message.id)

    assert len(graph.calls) == 1
    again = fresh(message)
    assert again.status == MessageStatus.QUEUED
    assert again.payload["requeues"] == 1
    # error_613.json carries a BUC estimate of 5 minutes: come back then, and nobody sends before.
    job_id = f"message-{message.id}-r1"
    assert scheduled_jobs() == [job_id]
    assert abs(scheduled_at(job_id) - (utcnow() + timedelta(minutes=5))) < timedelta(seconds=10)
    assert bucket_of(app, page).try_take(1) > 290

    # Another message to the same Page waits for the pause too, without calling Facebook.
    other = automated(person(page, psid="6021857384099999"))
    deliver(other.id)
    assert len(graph.calls) == 1
    assert fresh(other).status == MessageStatus.QUEUED
    assert any(job.startswith(f"message-{other.id}-paced") for job in scheduled_jobs())


def test_a_rate_limit_on_one_page_does_not_pause_another(app, graph, send_url, page):
    fail(graph, send_url, "error_613.json")
    deliver(automated(person(page)).id)
    other_page = PageFactory(workspace=page.workspace)
    assert bucket_of(app, other_page).try_take(1) == 0.0


@pytest.mark.parametrize("payload", ["error_2_service.json", "error_1200_temporary_send.json"])
def test_transient_errors_are_retried_then_the_message_fails(graph, send_url, page, payload):
    subscriber = person(page)
    fail(graph, send_url, payload)
    message = automated(subscriber)

    for attempt in range(1, TRANSIENT_RETRIES + 1):
        deliver(message.id)
        retrying = fresh(message)
        assert retrying.status == MessageStatus.QUEUED
        assert retrying.payload["attempts"] == attempt
        assert f"message-{message.id}-r{attempt}" in scheduled_jobs()

    deliver(message.id)

    assert len(graph.calls) == TRANSIENT_RETRIES + 1
    failed = fresh(message)
    code = load_payload(payload)["body"]["error"]["code"]
    assert (failed.status, failed.error_code) == (MessageStatus.FAILED, code)
    assert failed.error == load_payload(payload)["body"]["error"]["message"]
    deliver(message.id)
    assert len(graph.calls) == TRANSIENT_RETRIES + 1


def test_transient_retries_back_off_exponentially(graph, send_url, page):
    fail(graph, send_url, "error_1200_temporary_send.json")
    message = automated(person(page))
    for attempt in (1, 2, 3):
        deliver(message.id)
        due = scheduled_at(f"message-{message.id}-r{attempt}")
        expected = utcnow() + timedelta(seconds=2**attempt)
        assert abs(due - expected) < timedelta(seconds=2)


@pytest.mark.parametrize(
    "exception",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("Connection reset by peer"),
    ],
)
def test_a_send_that_may_have_arrived_is_uncertain_and_never_resent(
    graph, send_url, page, exception
):
    graph.post(send_url, body=exception)
    message = automated(person(page))

    deliver(message.id)
    deliver(message.id)

    assert len(graph.calls) == 1
    uncertain = fresh(message)
    assert uncertain.status == MessageStatus.UNCERTAIN
    assert uncertain.error
    assert uncertain.mid is None
    assert scheduled_jobs() == []
    # Not even the sweep picks it up, however old it gets.
    elsewhere(
        update(Message)
        .where(Message.id == message.id)
        .values(updated_at=utcnow() - timedelta(hours=2))
    )
    get_queue(SENDS).empty()
    requeue_waiting_messages()
    assert queued_jobs() == []


def test_a_gateway_timeout_on_a_send_is_uncertain(graph, send_url, page):
    graph.post(send_url, status=504, body="<html><body>504 Gateway Time-out</body></html>")
    message = automated(person(page))
    deliver(message.id)
    assert fresh(message).status == MessageStatus.UNCERTAIN


def test_a_connect_timeout_never_left_so_it_is_retried(graph, send_url, page):
    graph.post(send_url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    message = automated(person(page))
    deliver(message.id)
    retrying = fresh(message)
    assert (retrying.status, retrying.payload["attempts"]) == (MessageStatus.QUEUED, 1)


@pytest.mark.parametrize(
    "payload",
    [
        "error_190_463_expired.json",
        "error_190_460_password_changed.json",
        "error_190_no_subcode.json",
    ],
)
def test_an_invalid_token_pauses_the_page_and_keeps_the_message(graph, send_url, page, payload):
    fail(graph, send_url, payload)
    message = automated(person(page))

    deliver(message.id)

    waiting = fresh(message)
    assert waiting.status == MessageStatus.QUEUED
    assert scheduled_jobs() == []
    db.session.refresh(page)
    assert page.status == PageStatus.NEEDS_RECONNECT
    assert "token" in page.status_reason

    deliver(message.id)  # nothing more until the Page is reconnected
    assert len(graph.calls) == 1
    assert fresh(message).status == MessageStatus.QUEUED


@pytest.mark.parametrize(
    "payload",
    [
        "error_551.json",
        "error_10_2018108_cannot_receive.json",
        "error_100_2018001.json",
    ],
)
def test_an_unreachable_person_fails_and_is_never_messaged_again(graph, send_url, page, payload):
    subscriber = person(page)
    fail(graph, send_url, payload)
    message = automated(subscriber)

    deliver(message.id)

    error = load_payload(payload)["body"]["error"]
    failed = fresh(message)
    assert (failed.status, failed.error, failed.error_code, failed.error_subcode) == (
        MessageStatus.FAILED,
        error["message"],
        error["code"],
        error.get("error_subcode"),
    )
    gone = fresh_subscriber(subscriber.id)
    assert gone.unreachable
    assert gone.unreachable_reason == error["message"]
    assert gone.unreachable_at is not None
    assert scheduled_jobs() == []

    later = automated(gone)
    deliver(later.id)
    assert len(graph.calls) == 1
    assert fresh(later).status == MessageStatus.REFUSED


def test_a_send_facebook_calls_outside_the_window_fails_loudly(graph, send_url, page, caplog):
    subscriber = person(page)
    fail(graph, send_url, "error_10_2018278_outside_window.json")
    message = automated(subscriber)
    with caplog.at_level(logging.ERROR, logger="app.core.messaging"):
        deliver(message.id)
    failed = fresh(message)
    assert (failed.status, failed.error_code, failed.error_subcode) == (
        MessageStatus.FAILED,
        10,
        2018278,
    )
    assert f"message {message.id}" in caplog.text
    assert not fresh_subscriber(subscriber.id).unreachable
    refresh = Job.fetch(f"refresh-window-{subscriber.id}", connection=redis_client.client)
    assert refresh.func_name == "app.core.subscribers.importer.refresh_window"


@pytest.mark.parametrize("payload", ["error_200.json", "error_10_dev_mode.json"])
def test_a_missing_permission_fails_and_is_recorded_on_the_page(graph, send_url, page, payload):
    fail(graph, send_url, payload)
    message = automated(person(page))
    deliver(message.id)
    assert fresh(message).status == MessageStatus.FAILED
    db.session.refresh(page)
    assert page.missing_permissions == ["pages_messaging"]
    assert page.status == PageStatus.CONNECTED


# --- Human Agent ---------------------------------------------------------------------------------


def test_a_human_reply_after_30_hours_uses_human_agent_and_its_slot(
    graph, send_url, page, operator
):
    subscriber = person(page, hours=30)
    succeed(graph, send_url)
    message = from_operator(subscriber, operator)

    deliver(message.id)

    fields = posted(graph.calls[0])
    assert (fields["messaging_type"], fields["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert fields["message"] == {"text": "Sorry for the wait!", "metadata": f"herald:{message.id}"}
    sent = fresh(message)
    assert (sent.status, sent.messaging_type, sent.tag, sent.author_id) == (
        MessageStatus.SENT,
        "MESSAGE_TAG",
        "HUMAN_AGENT",
        operator.id,
    )
    assert fresh_subscriber(subscriber.id).human_agent_replies == 1

    # The one Human Agent reply is used: the next is refused until the person writes again.
    second = from_operator(subscriber, operator, "Anything else?")
    deliver(second.id)
    assert len(graph.calls) == 1
    refused = fresh(second)
    assert (refused.status, refused.error) == (
        MessageStatus.REFUSED,
        policy.EXPLANATIONS["human_agent_used"],
    )
    assert fresh_subscriber(subscriber.id).human_agent_replies == 1


def test_a_human_reply_in_the_window_does_not_use_a_human_agent_slot(
    graph, send_url, page, operator
):
    subscriber = person(page, hours=2)
    succeed(graph, send_url)
    deliver(from_operator(subscriber, operator).id)
    assert "tag" not in posted(graph.calls[0])
    assert fresh_subscriber(subscriber.id).human_agent_replies == 0


def test_a_slot_used_before_delivery_refuses_the_reply(graph, page, operator):
    subscriber = person(page, hours=30)
    message = from_operator(subscriber, operator)
    elsewhere(
        update(Subscriber).where(Subscriber.id == subscriber.id).values(human_agent_replies=1)
    )
    deliver(message.id)
    assert len(graph.calls) == 0
    refused = fresh(message)
    assert (refused.status, refused.error) == (
        MessageStatus.REFUSED,
        policy.EXPLANATIONS["human_agent_used"],
    )


def test_a_slot_taken_by_a_concurrent_claim_refuses_the_reply(graph, page, operator, monkeypatch):
    subscriber = person(page, hours=30)
    message = from_operator(subscriber, operator)
    # The policy sees a free slot; another operator's reply takes it before this one is claimed.
    meanwhile(
        monkeypatch,
        lambda: elsewhere(
            update(Subscriber)
            .where(Subscriber.id == subscriber.id)
            .values(human_agent_replies=Subscriber.human_agent_replies + 1)
        ),
    )

    deliver(message.id)

    assert len(graph.calls) == 0
    refused = fresh(message)
    assert (refused.status, refused.error) == (
        MessageStatus.REFUSED,
        policy.EXPLANATIONS["human_agent_used"],
    )
    assert (refused.messaging_type, refused.tag) == (None, None)  # the claim was rolled back
    assert fresh_subscriber(subscriber.id).human_agent_replies == 1  # only the other reply's


def test_two_slots_allow_a_second_human_agent_reply(graph, send_url, page, operator):
    page.workspace.settings = {**page.workspace.settings, "human_agent_replies": 2}
    db.session.commit()
    subscriber = person(page, hours=30)
    mids = iter(["m_one", "m_two", "m_three"])
    graph.add_callback(
        responses.POST,
        send_url,
        callback=lambda request: (
            200,
            {},
            json.dumps({"recipient_id": PSID, "message_id": next(mids)}),
        ),
    )
    for text in ("One", "Two", "Three"):
        deliver(from_operator(subscriber, operator, text).id)
    assert [posted(call)["message"]["text"] for call in graph.calls] == ["One", "Two"]
    assert fresh_subscriber(subscriber.id).human_agent_replies == 2


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ("error_551.json", MessageStatus.FAILED),
        ("error_1200_temporary_send.json", MessageStatus.QUEUED),
        ("error_613.json", MessageStatus.QUEUED),
        ("error_190_463_expired.json", MessageStatus.QUEUED),
        ("error_200.json", MessageStatus.FAILED),
    ],
)
def test_a_definite_failure_gives_the_human_agent_slot_back(
    graph, send_url, page, operator, payload, status
):
    subscriber = person(page, hours=30)
    fail(graph, send_url, payload)
    message = from_operator(subscriber, operator)

    deliver(message.id)

    assert len(graph.calls) == 1
    assert posted(graph.calls[0])["tag"] == "HUMAN_AGENT"
    assert fresh(message).status == status
    assert fresh_subscriber(subscriber.id).human_agent_replies == 0


def test_a_retried_human_agent_reply_takes_the_slot_once(graph, send_url, page, operator):
    subscriber = person(page, hours=30)
    fail(graph, send_url, "error_1200_temporary_send.json")
    message = from_operator(subscriber, operator)
    deliver(message.id)
    assert fresh_subscriber(subscriber.id).human_agent_replies == 0

    graph.replace(responses.POST, send_url, json={"recipient_id": PSID, "message_id": MID})
    deliver(message.id)
    assert fresh(message).status == MessageStatus.SENT
    assert fresh_subscriber(subscriber.id).human_agent_replies == 1


def test_an_uncertain_human_agent_reply_keeps_its_slot(graph, send_url, page, operator):
    subscriber = person(page, hours=30)
    graph.post(send_url, body=requests.exceptions.ReadTimeout("read timed out"))
    message = from_operator(subscriber, operator)

    deliver(message.id)

    assert fresh(message).status == MessageStatus.UNCERTAIN
    assert fresh_subscriber(subscriber.id).human_agent_replies == 1


# --- receipts that overtake the send's response -------------------------------------------------


def test_a_delivery_receipt_that_overtook_the_response_is_kept(graph, send_url, subscriber):
    message = automated(subscriber)
    delivered_at = utcnow()

    def facebook(request):
        # While the request is in flight, the echo and the delivery webhooks are processed by
        # another worker: it commits DELIVERED (and the mid) on its own connection.
        elsewhere(
            update(Message)
            .where(Message.id == message.id)
            .values(status=MessageStatus.DELIVERED, delivered_at=delivered_at, mid=MID)
        )
        return 200, {}, json.dumps({"recipient_id": PSID, "message_id": MID})

    graph.add_callback(responses.POST, send_url, callback=facebook)

    deliver(message.id)

    assert len(graph.calls) == 1
    kept = fresh(message)
    assert (kept.status, kept.mid, kept.error) == (MessageStatus.DELIVERED, MID, None)
    assert kept.delivered_at is not None


def test_a_read_receipt_that_overtook_the_response_is_kept(graph, send_url, subscriber):
    message = automated(subscriber)

    def facebook(request):
        elsewhere(update(Message).where(Message.id == message.id).values(status=MessageStatus.READ))
        return 200, {}, json.dumps({"recipient_id": PSID, "message_id": MID})

    graph.add_callback(responses.POST, send_url, callback=facebook)
    deliver(message.id)
    kept = fresh(message)
    assert (kept.status, kept.mid) == (MessageStatus.READ, MID)


def test_an_echo_mid_is_not_overwritten_by_the_response(graph, send_url, subscriber):
    message = automated(subscriber)

    def facebook(request):
        elsewhere(
            update(Message)
            .where(Message.id == message.id)
            .values(status=MessageStatus.SENT, mid="m_from_the_echo")
        )
        return 200, {}, json.dumps({"recipient_id": PSID, "message_id": MID})

    graph.add_callback(responses.POST, send_url, callback=facebook)
    deliver(message.id)
    kept = fresh(message)
    assert (kept.status, kept.mid) == (MessageStatus.SENT, "m_from_the_echo")


def test_a_delivery_webhook_processed_while_the_send_is_in_flight_is_kept(
    app, graph, send_url, page, subscriber
):
    message = automated(subscriber)
    page_id = page.id

    def facebook(request):
        # The delivery webhook beats the Send API's response; a worker (its own app context,
        # so its own session) processes it with the real handler.
        watermark = int(time.time() * 1000) + 1
        event = MessagingEvent(
            kind=Kind.DELIVERY,
            page_id=PAGE_ID,
            psid=PSID,
            timestamp_ms=watermark,
            watermark_ms=watermark,
            mids=(MID,),
        )
        with app.app_context():
            on_watermark(db.session.get(Page, page_id), event)
        return 200, {}, json.dumps({"recipient_id": PSID, "message_id": MID})

    graph.add_callback(responses.POST, send_url, callback=facebook)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.DELIVERED


# --- the Page's send budget ---------------------------------------------------------------------


def test_a_spent_send_budget_schedules_the_message_for_later(app, graph, page, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 1)  # one send per second, burst of one
    message = automated(person(page))
    budget = bucket_of(app, page)
    while budget.try_take(1) == 0:
        pass

    deliver(message.id)

    assert len(graph.calls) == 0
    waiting = fresh(message)
    assert (waiting.status, waiting.mid) == (MessageStatus.QUEUED, None)
    (job_id,) = scheduled_jobs()
    assert job_id.startswith(f"message-{message.id}-paced")
    assert scheduled_at(job_id) - utcnow() < timedelta(seconds=3)
    assert queued_jobs() == [f"message-{message.id}"]  # the original job, never run here


def test_a_paused_page_sends_nothing_until_the_pause_ends(app, graph, page):
    message = automated(person(page))
    bucket_of(app, page).pause(120)

    deliver(message.id)

    assert len(graph.calls) == 0
    assert fresh(message).status == MessageStatus.QUEUED
    (job_id,) = scheduled_jobs()
    assert job_id.startswith(f"message-{message.id}-paced")
    due = scheduled_at(job_id) - utcnow()
    assert timedelta(seconds=110) < due <= timedelta(seconds=121)


def test_a_refused_message_takes_no_send_budget(app, graph, page, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 1)
    deliver(automated(person(page, subscribed=False)).id)
    assert bucket_of(app, page).try_take(1) == 0.0


# --- the requeue sweep --------------------------------------------------------------------------


def stored(subscriber: Subscriber, status: MessageStatus, minutes_ago: float, **fields) -> int:
    """An outbound message last touched `minutes_ago`, written directly (no job queued)."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    row = Message(
        workspace_id=subscriber.workspace_id,
        page_id=subscriber.page_id,
        subscriber_id=subscriber.id,
        direction=fields.pop("direction", Direction.OUT),
        kind="text",
        text="Hello",
        payload={"message": {"text": "Hello"}, "sender": "automation", "purpose": "reply"},
        sent_at=at,
        status=status,
        origin="broadcast",
        created_at=at,
        updated_at=at,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_sweep_requeues_long_waiting_messages_on_connected_pages(page):
    subscriber = person(page)
    reconnecting = PageFactory(workspace=page.workspace, status=PageStatus.NEEDS_RECONNECT)
    disconnected = PageFactory(workspace=page.workspace, status=PageStatus.DISCONNECTED)
    stranded = person(reconnecting, psid="6021857384000001")
    gone = person(disconnected, psid="6021857384000002")

    picked = {
        stored(subscriber, MessageStatus.QUEUED, 2.5),
        stored(subscriber, MessageStatus.QUEUED, 60 * 24),
        stored(subscriber, MessageStatus.HELD, 31),
    }
    left = [
        stored(subscriber, MessageStatus.QUEUED, 1.5),  # its own job may still be coming
        stored(subscriber, MessageStatus.HELD, 10),  # its delayed job is still due
        stored(subscriber, MessageStatus.HELD, 29),
        stored(stranded, MessageStatus.QUEUED, 10),
        stored(stranded, MessageStatus.HELD, 60),
        stored(gone, MessageStatus.QUEUED, 10),
        stored(subscriber, MessageStatus.QUEUED, 10, direction=Direction.IN),
        *(
            stored(subscriber, status, 60)
            for status in (
                MessageStatus.SENT,
                MessageStatus.DELIVERED,
                MessageStatus.READ,
                MessageStatus.FAILED,
                MessageStatus.REFUSED,
                MessageStatus.UNCERTAIN,
            )
        ),
    ]
    assert len(left) == 13
    statuses = [fresh(message_id).status for message_id in left]

    requeue_waiting_messages()

    assert sorted(queued_jobs()) == sorted(f"message-{message_id}" for message_id in picked)
    assert scheduled_jobs() == []
    # The sweep only queues; the delivery job decides. No row changed.
    assert [fresh(message_id).status for message_id in left] == statuses


def test_the_sweep_queues_each_message_once_while_its_job_is_pending(page):
    subscriber = person(page)
    message_id = stored(subscriber, MessageStatus.QUEUED, 5)
    requeue_waiting_messages()
    requeue_waiting_messages()
    assert queued_jobs() == [f"message-{message_id}"]


def test_a_message_held_back_by_a_reconnect_is_sent_after_the_sweep(graph, send_url, page):
    subscriber = person(page)
    message = automated(subscriber)
    page.status = PageStatus.NEEDS_RECONNECT
    db.session.commit()
    deliver(message.id)
    get_queue(SENDS).empty()  # the delivery job ran (here, in the test)
    elsewhere(
        update(Message)
        .where(Message.id == message.id)
        .values(updated_at=utcnow() - timedelta(minutes=3))
    )

    requeue_waiting_messages()
    assert queued_jobs() == []  # still waiting for the reconnect

    page.status = PageStatus.CONNECTED
    db.session.commit()
    requeue_waiting_messages()
    assert queued_jobs() == [f"message-{message.id}"]

    succeed(graph, send_url)
    deliver(message.id)
    assert fresh(message).status == MessageStatus.SENT


def test_the_sweep_runs_every_minute(app):
    from app.core.scheduling import SWEEPS

    sweep = SWEEPS["requeue-messages"]
    assert (sweep.func, sweep.seconds) == (messaging.requeue_waiting_messages, 60)
