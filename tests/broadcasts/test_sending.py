"""Sending batches: one Graph batch request per batch, and what every kind of answer does."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import redis
import requests
import responses
from sqlalchemy import select

from app.broadcasts import lifecycle, sending, watch
from app.broadcasts.models import (
    PAUSED_FOR_PERMISSION,
    PAUSED_FOR_RECONNECT,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientStatus,
)
from app.broadcasts.sending import Step
from app.core.db import to_epoch_ms, utcnow
from app.core.messages.models import Message, MessageStatus
from app.core.models import PageStatus
from app.core.ratelimit import PageBucket, pace_for
from app.extensions import db, redis_client
from tests.broadcasts.conftest import make_broadcast, subscriber
from tests.support.graph import GRAPH

BATCH_URL = f"{GRAPH}/"


MIDS = itertools.count(1)


def ok(op):
    psid = json.loads(parse_qs(op["body"])["recipient"][0])["id"]
    mid = f"m_{psid}_{next(MIDS)}"
    return {"code": 200, "body": json.dumps({"recipient_id": psid, "message_id": mid})}


def error(code, subcode=None, status=400):
    def answer(_op):
        inner = {"message": f"(#{code}) refused", "type": "OAuthException", "code": code}
        if subcode:
            inner["error_subcode"] = subcode
        return {"code": status, "body": json.dumps({"error": inner})}

    return answer


def null(_op):
    return None


class FakeGraph:
    """Answers batch requests op by op and remembers every operation it saw."""

    def __init__(self, graph, *answers):
        self.calls: list[list[dict]] = []
        self.answers = itertools.cycle(answers or [ok])
        graph.add_callback("POST", BATCH_URL, callback=self.reply)

    def reply(self, request):
        ops = json.loads(parse_qs(request.body)["batch"][0])
        self.calls.append(ops)
        return 200, {}, json.dumps([next(self.answers)(op) for op in ops])

    def bodies(self) -> list[dict]:
        return [
            {k: v[0] for k, v in parse_qs(op["body"]).items()} for ops in self.calls for op in ops
        ]


def started(page, **values):
    broadcast = make_broadcast(page, **values)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    return broadcast


KEYS = itertools.count()


def step(broadcast, sleeps=None) -> Step:
    result = sending.step(
        broadcast.id,
        lambda: f"0.test.{next(KEYS)}",
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
    )
    db.session.expire_all()
    return result


def rows(broadcast) -> dict[int, BroadcastRecipient]:
    query = select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast.id)
    return {row.subscriber_id: row for row in db.session.scalars(query)}


def test_allowed_recipients_get_one_message_each_stored_before_the_call(page, graph):
    people = [subscriber(page, hours_ago=1, first_name=name) for name in ("Maya", "Luis", "Priya")]
    outside = subscriber(page, hours_ago=30)
    stopped = subscriber(page, hours_ago=1, subscribed=False)
    fake = FakeGraph(graph)
    broadcast = started(page)

    assert step(broadcast) is Step.CONTINUE
    bodies = fake.bodies()
    assert len(fake.calls) == 1
    assert len(bodies) == 3
    assert [json.loads(b["recipient"])["id"] for b in bodies] == [p.psid for p in people]
    assert {b["messaging_type"] for b in bodies} == {"UPDATE"}
    assert json.loads(bodies[0]["message"])["text"] == "Hi Maya!"
    found = rows(broadcast)
    for person, body in zip(people, bodies, strict=True):
        row = found[person.id]
        message = db.session.get(Message, row.message_id)
        assert row.status == RecipientStatus.SENT
        assert json.loads(body["message"])["metadata"] == f"herald:{message.id}"  # echoes match it
        assert (message.origin, message.origin_id) == ("broadcast", broadcast.id)
        assert message.status == MessageStatus.SENT
        assert message.mid.startswith(f"m_{person.psid}_")
        assert person.last_outbound_at is not None
    assert (found[outside.id].status, found[outside.id].reason) == (
        RecipientStatus.SKIPPED,
        "outside_window",
    )
    assert (found[stopped.id].status, found[stopped.id].reason) == (
        RecipientStatus.SKIPPED,
        "unsubscribed",
    )

    assert step(broadcast) is Step.IDLE  # nothing left: nobody is sent anything twice
    assert lifecycle.complete_if_done(broadcast.id)
    assert broadcast.status == BroadcastStatus.COMPLETED
    assert len(fake.calls) == 1


def test_an_update_tag_reaches_people_outside_the_window(page, graph):
    inside, outside = subscriber(page, hours_ago=1), subscriber(page, hours_ago=24 * 9)
    fake = FakeGraph(graph)
    step(started(page, intent="update", tag="ACCOUNT_UPDATE"))
    by_psid = {json.loads(b["recipient"])["id"]: b for b in fake.bodies()}
    assert by_psid[inside.psid]["messaging_type"] == "UPDATE"
    assert "tag" not in by_psid[inside.psid]
    assert (by_psid[outside.psid]["messaging_type"], by_psid[outside.psid]["tag"]) == (
        "MESSAGE_TAG",
        "ACCOUNT_UPDATE",
    )


def test_batches_follow_the_pages_pace(app, page, graph):
    for _ in range(20):
        subscriber(page)
    fake = FakeGraph(graph)
    broadcast = started(page)
    step(broadcast)
    assert len(fake.calls[0]) == pace_for(300).burst == 9  # one burst per batch at 300/s
    app.config["SEND_RATE_LIMIT"] = 0
    try:
        step(broadcast)
    finally:
        app.config["SEND_RATE_LIMIT"] = 300
    assert len(fake.calls[1]) == 11  # no limit: up to 50 at once


def test_every_answer_decides_its_recipient(page, graph):
    people = [subscriber(page) for _ in range(7)]
    FakeGraph(
        graph,
        ok,
        error(551),
        error(613, status=403),
        null,
        error(2, status=500),
        error(100, 2018001),
        error(10, 2018278),
    )
    broadcast = started(page)
    step(broadcast)
    found = [rows(broadcast)[person.id] for person in people]
    assert [row.status for row in found] == [
        RecipientStatus.SENT,
        RecipientStatus.FAILED,  # 551: the person blocked the Page
        RecipientStatus.PENDING,  # rate limited: tried again later, never dropped
        RecipientStatus.UNCERTAIN,  # no answer: it may have arrived, so never again
        RecipientStatus.PENDING,  # a temporary failure: tried again
        RecipientStatus.FAILED,  # 2018001: no such person
        RecipientStatus.FAILED,  # outside the window: a policy bug, recorded loudly
    ]
    assert [row.reason for row in found] == [
        None,
        "unreachable",
        None,
        None,
        None,
        "unreachable",
        "outside_window",
    ]
    assert (found[1].error_code, found[5].error_subcode) == (551, 2018001)
    assert found[4].attempts == 1
    assert found[2].attempts == 0
    for index in (1, 5):
        assert db.session.get(type(people[0]), people[index].id).unreachable
    retried = [found[2].message_id, found[4].message_id]
    assert retried == [None, None]  # the refused sends leave no message behind
    assert db.session.get(Message, found[3].message_id).status == MessageStatus.UNCERTAIN
    bucket = PageBucket(redis_client.client, page.id, pace_for(300))
    assert bucket.try_take(0) > 1  # the whole Page waits as Facebook asked


def test_a_rate_limited_page_is_waited_for_with_nothing_claimed(page, graph):
    subscriber(page)
    broadcast = started(page)
    PageBucket(redis_client.client, page.id, pace_for(300)).pause(30)
    sleeps: list[float] = []
    assert step(broadcast, sleeps) is Step.CONTINUE
    assert sleeps
    assert sleeps[0] > 1
    assert {row.status for row in rows(broadcast).values()} == {RecipientStatus.PENDING}


def test_a_dead_token_pauses_until_the_page_is_reconnected(page, graph):
    people = [subscriber(page) for _ in range(3)]
    FakeGraph(graph, error(190, 460))
    broadcast = started(page)
    assert step(broadcast) is Step.STOP
    assert broadcast.status == BroadcastStatus.PAUSED
    assert broadcast.pause_reason == PAUSED_FOR_RECONNECT
    assert page.status == PageStatus.NEEDS_RECONNECT
    assert {rows(broadcast)[p.id].status for p in people} == {RecipientStatus.PENDING}
    assert db.session.scalar(select(Message.id).where(Message.origin == "broadcast")) is None
    watch.reconcile(broadcast.id)  # still not connected: stays paused
    assert broadcast.status == BroadcastStatus.PAUSED
    page.status = PageStatus.CONNECTED
    db.session.commit()
    watch.reconcile(broadcast.id)
    db.session.expire_all()
    assert broadcast.status == BroadcastStatus.SENDING
    assert broadcast.pause_reason is None


def test_a_lost_permission_pauses_instead_of_failing_the_audience(page, graph):
    people = [subscriber(page) for _ in range(3)]
    FakeGraph(graph, error(10))
    broadcast = started(page)
    assert step(broadcast) is Step.STOP
    assert (broadcast.status, broadcast.pause_reason) == (
        BroadcastStatus.PAUSED,
        PAUSED_FOR_PERMISSION,
    )
    assert "pages_messaging" in page.missing_permissions
    assert {rows(broadcast)[p.id].status for p in people} == {RecipientStatus.PENDING}
    watch.reconcile(broadcast.id)  # the permission is still missing: stays paused
    assert broadcast.status == BroadcastStatus.PAUSED
    page.missing_permissions = []  # reconnected, granting it again
    db.session.commit()
    watch.reconcile(broadcast.id)
    db.session.expire_all()
    assert broadcast.status == BroadcastStatus.SENDING


def test_a_batch_claimed_before_a_cancel_is_not_sent(page, graph, monkeypatch):
    people = [subscriber(page) for _ in range(3)]
    broadcast = started(page)
    real_take = PageBucket.take

    def cancel_while_waiting(bucket, *args, **kwargs):
        lifecycle.cancel(broadcast)  # someone cancels while the batch waits for its turn
        return real_take(bucket, *args, **kwargs)

    monkeypatch.setattr(PageBucket, "take", cancel_while_waiting)
    assert step(broadcast) is Step.STOP
    found = rows(broadcast)
    assert {(found[p.id].status, found[p.id].reason) for p in people} == {
        (RecipientStatus.SKIPPED, "cancelled")
    }
    assert db.session.scalar(select(Message.id).where(Message.origin == "broadcast")) is None


def test_a_redis_failure_before_the_call_unclaims_the_batch(page, graph, monkeypatch):
    people = [subscriber(page) for _ in range(2)]
    broadcast = started(page)

    def redis_down(*_args, **_kwargs):
        raise redis.exceptions.ConnectionError("Redis went away")

    monkeypatch.setattr(PageBucket, "take", redis_down)
    with pytest.raises(redis.exceptions.ConnectionError):
        step(broadcast)
    db.session.expire_all()
    assert {rows(broadcast)[p.id].status for p in people} == {RecipientStatus.PENDING}


def test_a_request_without_an_answer_leaves_its_batch_uncertain_never_resent(page, graph):
    people = [subscriber(page) for _ in range(4)]
    graph.add(responses.POST, BATCH_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    broadcast = started(page)
    step(broadcast)
    found = rows(broadcast)
    assert {found[p.id].status for p in people} == {RecipientStatus.UNCERTAIN}
    assert all("not sent again" in found[p.id].detail for p in people)
    assert step(broadcast) is Step.IDLE  # nothing is pending: no second request


def test_a_failed_request_that_never_left_is_retried_and_graph_is_given_time(page, graph):
    person = subscriber(page)
    graph.add(responses.POST, BATCH_URL, json={"error": {"message": "down", "code": 2}}, status=503)
    broadcast = started(page)
    step(broadcast)
    row = rows(broadcast)[person.id]
    assert (row.status, row.attempts) == (RecipientStatus.PENDING, 1)
    assert PageBucket(redis_client.client, page.id, pace_for(300)).try_take(0) > 1


def test_people_in_a_live_chat_are_held_until_it_goes_quiet(page, graph):
    chatting = subscriber(page, operator_active_at=utcnow() - timedelta(minutes=10))
    broadcast = started(page)
    step(broadcast)
    row = rows(broadcast)[chatting.id]
    assert row.status == RecipientStatus.HELD
    assert row.held_until == chatting.operator_active_at + timedelta(minutes=30)
    assert not lifecycle.complete_if_done(broadcast.id)
    watch.release_held(broadcast.id)
    assert rows(broadcast)[chatting.id].status == RecipientStatus.HELD  # not yet
    chatting.operator_active_at = utcnow() - timedelta(hours=1)
    db.session.execute(
        BroadcastRecipient.__table__.update().values(held_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert watch.release_held(broadcast.id) == 1
    FakeGraph(graph)
    step(broadcast)
    assert rows(broadcast)[chatting.id].status == RecipientStatus.SENT


def test_pausing_or_cancelling_stops_the_next_batch(page, graph):
    people = [subscriber(page) for _ in range(3)]
    broadcast = started(page)
    lifecycle.pause(broadcast, "Paused by Mia")
    assert step(broadcast) is Step.STOP
    lifecycle.resume(broadcast)
    lifecycle.cancel(broadcast)
    assert step(broadcast) is Step.STOP
    assert {rows(broadcast)[p.id].reason for p in people} == {"cancelled"}


def test_audio_and_video_go_at_messengers_media_pace(page, graph):
    broadcast = make_broadcast(
        page,
        content={"kind": "media", "media": {"type": "video", "url": "https://v.example/a.mp4"}},
    )
    bucket = sending.bucket_for(broadcast, page)
    assert bucket.pace == pace_for(10)
    assert sending.batch_size(bucket) == 1


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({}, 0.0),
        ({"x-app-usage": '{"call_count": 96}'}, 10.0),
        ({"x-business-use-case-usage": '{"1": [{"type": "messenger", "call_count": 99}]}'}, 0.0),
        (
            {
                "x-business-use-case-usage": '{"1": [{"type": "pages", "call_count": 12, '
                '"estimated_time_to_regain_access": 2}]}'
            },
            120.0,
        ),
    ],
)
def test_usage_headers_ease_the_pace_before_facebook_refuses(headers, seconds):
    from app.core.graph import parse_usage

    assert sending.hourly_backoff(parse_usage(headers)) == seconds


def test_media_is_uploaded_once_per_page_and_reused(page, graph):
    people = [subscriber(page) for _ in range(2)]
    upload = graph.post(
        f"{GRAPH}/{page.facebook_page_id}/message_attachments", json={"attachment_id": "777"}
    )
    fake = FakeGraph(graph)
    content = {"kind": "media", "media": {"type": "image", "url": "https://cdn.example/spring.jpg"}}
    step(started(page, content=content))
    step(started(page, content=content, name="Again"))
    assert upload.call_count == 1
    messages = [json.loads(body["message"]) for body in fake.bodies()]
    assert len(messages) == len(people) * 2
    assert {m["attachment"]["payload"]["attachment_id"] for m in messages} == {"777"}


def test_receipts_that_overtake_the_answer_still_tick_the_message(page, graph):
    overtaken = subscriber(page)
    plain = subscriber(page)
    FakeGraph(graph)
    broadcast = started(page)
    # The delivery and read receipts were processed while the batch was still in flight.
    later = to_epoch_ms(utcnow() + timedelta(seconds=30))
    overtaken.delivered_watermark = overtaken.read_watermark = later
    db.session.commit()
    step(broadcast)
    found = rows(broadcast)
    assert db.session.get(Message, found[overtaken.id].message_id).status == MessageStatus.READ
    assert db.session.get(Message, found[plain.id].message_id).status == MessageStatus.SENT
