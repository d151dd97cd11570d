"""The webhook endpoint: handshake, signatures over raw bytes, durable storage, quick 200."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from app.core.queue import queue_lengths
from app.extensions import db, redis_client
from app.webhooks import receiver
from app.webhooks.models import EventStatus, WebhookEvent
from app.webhooks.receiver import PENDING_KEY
from tests.support.webhooks import body_of, payload, post


def test_handshake_echoes_the_challenge_for_our_verify_token(client):
    ok = client.get(
        "/webhooks/messenger?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=dev-verify-token"
    )
    assert ok.status_code == 200
    assert ok.get_data(as_text=True) == "1158201444"
    wrong = client.get(
        "/webhooks/messenger?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope"
    )
    assert wrong.status_code == 403


def test_a_signed_delivery_is_stored_raw_and_queued(client):
    body = body_of(payload("message_text"))
    response = post(client, body)
    assert response.status_code == 200
    stored = db.session.scalars(select(WebhookEvent)).one()
    assert stored.body == body  # byte for byte, as signed
    assert stored.status == EventStatus.RECEIVED
    assert queue_lengths()["webhooks"] == 1


def test_missing_or_wrong_signatures_are_refused_and_nothing_is_stored(client):
    data = payload("message_text")
    assert post(client, data, sign=False).status_code == 403
    assert post(client, data, secret="someone-else").status_code == 403
    tampered = body_of(data).replace(b"Lisbon", b"Porto!")
    response = client.post(
        "/webhooks/messenger",
        data=tampered,
        headers={"X-Hub-Signature-256": post.__globals__["signature"](body_of(data))},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(WebhookEvent)).all() == []
    assert queue_lengths()["webhooks"] == 0


def test_malformed_bodies_are_stored_when_signed(client):
    assert post(client, b"{not json").status_code == 200
    assert db.session.scalars(select(WebhookEvent)).one().body == b"{not json"


def test_oversized_bodies_are_refused(make_app):
    small = make_app(MAX_CONTENT_LENGTH=1024)
    response = post(small.test_client(), b"x" * 2048)
    assert response.status_code == 413
    assert db.session.scalars(select(WebhookEvent)).all() == []


def test_many_deliveries_share_few_drain_jobs(client):
    for _ in range(10):
        assert post(client, body_of(payload("message_text"))).status_code == 200
    ids = [event.id for event in db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]
    pending = [int(raw) for raw in redis_client.client.lrange(PENDING_KEY, 0, -1)]
    assert pending == ids
    # One drain job per slot at most, however many deliveries arrived.
    assert queue_lengths()["webhooks"] == min(10, client.application.config["WEBHOOK_DRAINERS"])


def test_a_signature_with_characters_outside_ascii_is_refused(client):
    body = body_of(payload("message_text"))
    headers = {"X-Hub-Signature-256": "sha256=caf\u00e9"}
    response = client.post("/webhooks/messenger", data=body, headers=headers)
    assert response.status_code == 403
    assert db.session.scalars(select(WebhookEvent)).all() == []


def test_a_stored_delivery_is_acknowledged_even_when_redis_is_down(client, monkeypatch):
    def redis_down(event_ids):
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(receiver, "signal_pending", redis_down)
    assert post(client, payload("message_text")).status_code == 200
    assert db.session.scalars(select(WebhookEvent)).one().status == EventStatus.RECEIVED
