"""The Page's one-second window: never more than the limit counted in any second."""

from __future__ import annotations

from app.broadcasts.window import SendWindow
from app.extensions import redis_client


def age(window: SendWindow, ticket: str, milliseconds: int) -> None:
    """Pretend the batch's answer came back `milliseconds` ago (instead of waiting)."""
    redis = redis_client.client
    seconds, micros = redis.time()
    now_ms = seconds * 1000 + micros // 1000
    redis.zadd(window.key, {ticket: now_ms - milliseconds}, xx=True)


def test_batches_in_flight_or_answered_within_a_second_count_against_the_limit(app):
    window = SendWindow(redis_client.client, page_id=1, limit=10)
    waits: list[float] = []
    first = window.admit(6, max_wait=0)
    assert first is not None
    assert window.admit(5, max_wait=0, sleep=waits.append) is None  # 6 in flight + 5 > 10
    second = window.admit(4, max_wait=0)
    assert second is not None
    window.done(first)
    assert window.admit(1, max_wait=0) is None  # answered just now: still counted
    age(window, first, 1001)
    assert window.admit(6, max_wait=0) is not None  # a second after its answer: room again


def test_a_waiting_batch_polls_until_room_frees(app):
    window = SendWindow(redis_client.client, page_id=2, limit=10)
    first = window.admit(10, max_wait=0)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        age(window, first, 1001)  # meanwhile the first batch's second runs out

    assert window.admit(5, max_wait=5, sleep=sleep) is not None
    assert len(waits) == 1
    assert 0 < waits[0] <= 0.05


def test_each_page_has_its_own_window(app):
    assert SendWindow(redis_client.client, 3, 5).admit(5, max_wait=0) is not None
    assert SendWindow(redis_client.client, 4, 5).admit(5, max_wait=0) is not None
