"""Live updates: history for reconnecting dashboards, live delivery, filtering, Redis outages."""

from __future__ import annotations

import json

from redis.exceptions import ConnectionError as RedisConnectionError

from app.core import events
from app.extensions import redis_client


def data_of(sse: str) -> dict:
    line = next(line for line in sse.splitlines() if line.startswith("data: "))
    return json.loads(line.removeprefix("data: "))


def test_published_events_are_kept_in_order_for_reconnecting_dashboards(app):
    first = events.publish(1, "message", {"n": 1}, page_id=7)
    second = events.publish(1, "message", {"n": 2}, page_id=7)
    events.publish(2, "message", {"n": 3})  # another workspace

    missed = events.missed(redis_client.client, 1, "0-0")
    assert [(e.id, e.data["n"]) for e in missed] == [(first, 1), (second, 2)]
    assert [e.id for e in events.missed(redis_client.client, 1, first)] == [second]
    assert events.latest_id(1) == second


def test_a_stream_sends_what_was_missed_then_live_events_it_may_see(app):
    seen = events.publish(1, "message", {"n": 1}, page_id=7)
    events.publish(1, "message", {"n": 2}, page_id=8)  # missed, but not for this operator
    missed = events.publish(1, "message", {"n": 3}, page_id=7)
    stream = events.stream(
        redis_client.client, 1, last_id=seen, allowed=lambda event: event.page_id == 7
    )

    assert next(stream) == "retry: 2000\n\n"  # subscribed from here on
    events.publish(1, "message", {"n": 4}, page_id=8)
    live = events.publish(1, "message", {"n": 5}, page_id=7)

    first, second = next(stream), next(stream)
    assert first.startswith(f"id: {missed}\nevent: message\n")
    assert data_of(first) == {"page_id": 7, "n": 3}
    assert second.startswith(f"id: {live}\n")
    assert data_of(second) == {"page_id": 7, "n": 5}
    stream.close()


def test_publishing_during_a_redis_outage_loses_the_update_not_the_change(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(redis_client.client, "register_script", refuse)
    assert events.publish(1, "message", {"n": 1}) is None
