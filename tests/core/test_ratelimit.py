"""Per-Page send pacing: `pace_for` arithmetic and the GCRA bucket on the real test Redis.

The bucket runs on Redis's clock, so tests never assert exact waits: they use paces whose send
interval is far longer than a test can take (e.g. one send per 100 s), and check that a wait is
positive and within the interval. Nothing here really sleeps.
"""

from __future__ import annotations

import pytest

from app.core.ratelimit import HEADROOM, Pace, PageBucket, pace_for
from app.extensions import redis_client

SLOW = Pace(rate=0.01, burst=3)  # one send per 100 s after a burst of 3
SLOW_INTERVAL = 100.0


@pytest.fixture
def redis(app):
    return redis_client.client


def bucket(redis, page_id: int = 1, pace: Pace = SLOW) -> PageBucket:
    return PageBucket(redis, page_id, pace)


def drain(page_bucket: PageBucket) -> float:
    """Take single sends until the bucket says wait; return that wait."""
    for _ in range(page_bucket.pace.burst + 1):
        wait = page_bucket.try_take(1)
        if wait > 0:
            return wait
    raise AssertionError("the bucket never ran out")


# --- pace_for ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit", [2, 3, 10, 33, 34, 50, 100, 250, 300, 301, 1000, 1667, 1700, 5000, 100_000]
)
def test_rate_plus_burst_never_exceeds_the_limit(limit):
    pace = pace_for(limit)
    assert pace.rate + pace.burst <= limit
    assert pace.rate >= 1
    assert 1 <= pace.burst <= 50


@pytest.mark.parametrize("limit", [1, 2, 10, 33, 34, 300, 100_000])
def test_no_second_holds_more_sends_than_the_limit(limit):
    pace = pace_for(limit)
    assert pace.rate + pace.burst - 1 <= limit


def test_the_default_limit_of_300_paces_at_291_with_bursts_of_9():
    assert pace_for(300) == Pace(rate=291.0, burst=9)


@pytest.mark.parametrize("limit", [100, 300, 1000, 10_000])
def test_the_burst_is_the_headroom_share_of_the_limit(limit):
    pace = pace_for(limit)
    assert pace.burst == min(50, int(limit * (1 - HEADROOM)))
    assert pace.rate == limit - pace.burst


def test_the_burst_is_capped_by_the_batch_size():
    assert pace_for(100_000) == Pace(rate=99_950.0, burst=50)
    assert pace_for(100_000, max_batch=10) == Pace(rate=99_990.0, burst=10)
    assert pace_for(300, max_batch=5) == Pace(rate=295.0, burst=5)


def test_small_limits_still_get_a_burst_of_one():
    assert pace_for(10) == Pace(rate=9.0, burst=1)
    assert pace_for(2) == Pace(rate=1.0, burst=1)


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_of_zero_means_no_limit(limit):
    assert pace_for(limit) == Pace(rate=0.0, burst=50)
    assert pace_for(limit, max_batch=20) == Pace(rate=0.0, burst=20)


def test_rates_are_floats():
    assert isinstance(pace_for(300).rate, float)
    assert isinstance(pace_for(0).rate, float)


# --- PageBucket.try_take ------------------------------------------------------------------------


def test_the_burst_is_granted_at_once_then_a_wait_within_one_interval(redis):
    page_bucket = bucket(redis)
    assert [page_bucket.try_take(1) for _ in range(SLOW.burst)] == [0.0, 0.0, 0.0]
    wait = page_bucket.try_take(1)
    assert 0 < wait <= SLOW_INTERVAL
    assert wait > SLOW_INTERVAL - 10  # only moments passed since the burst


def test_a_refused_take_takes_nothing(redis):
    page_bucket = bucket(redis)
    first = drain(page_bucket)
    again = page_bucket.try_take(1)
    # Asking again does not push the budget further back: the wait only shrinks with time.
    assert 0 < again <= first


def test_the_whole_burst_may_be_taken_in_one_go(redis):
    page_bucket = bucket(redis)
    assert page_bucket.try_take(SLOW.burst) == 0.0
    wait = page_bucket.try_take(1)
    assert 0 < wait <= SLOW_INTERVAL


def test_a_take_larger_than_what_is_left_waits_longer(redis):
    page_bucket = bucket(redis)
    assert page_bucket.try_take(2) == 0.0
    # One send is left: taking three needs two more intervals to pass.
    wait = page_bucket.try_take(3)
    assert SLOW_INTERVAL < wait <= 2 * SLOW_INTERVAL
    assert page_bucket.try_take(1) == 0.0  # the refused take left the last send in place


@pytest.mark.parametrize("count", [4, 10])
def test_counts_above_the_burst_raise(redis, count):
    page_bucket = bucket(redis)
    with pytest.raises(ValueError, match="burst is 3"):
        page_bucket.try_take(count)
    assert page_bucket.try_take(SLOW.burst) == 0.0  # nothing was taken by the refused call


def test_a_real_page_pace_grants_at_least_its_burst_then_waits_at_most_one_interval(redis):
    pace = pace_for(300)
    page_bucket = bucket(redis, pace=pace)
    # The budget refills every 3.4 ms while we take, so more than the burst may be granted.
    granted, wait = 0, 0.0
    for _ in range(10_000):
        wait = page_bucket.try_take(1)
        if wait > 0:
            break
        granted += 1
    assert granted >= pace.burst
    assert 0 < wait <= 1 / pace.rate


def test_without_a_limit_every_take_is_granted(redis):
    page_bucket = bucket(redis, pace=pace_for(0))
    assert [page_bucket.try_take(1) for _ in range(500)] == [0.0] * 500
    assert page_bucket.try_take(10_000) == 0.0  # no burst check either: nothing to pace
    assert redis.keys("herald:send-bucket:*") == []


def test_buckets_of_different_pages_are_independent(redis):
    first, second = bucket(redis, page_id=1), bucket(redis, page_id=2)
    assert drain(first) > 0
    assert [second.try_take(1) for _ in range(SLOW.burst)] == [0.0] * SLOW.burst
    assert second.try_take(1) > 0
    assert first.try_take(1) > 0


def test_buckets_of_one_page_share_its_budget(redis):
    # Every worker builds its own PageBucket; they must all draw on the same Redis key.
    one_worker, another = bucket(redis, page_id=7), bucket(redis, page_id=7)
    assert one_worker.try_take(2) == 0.0
    assert another.try_take(1) == 0.0
    assert 0 < another.try_take(1) <= SLOW_INTERVAL
    assert 0 < one_worker.try_take(1) <= SLOW_INTERVAL


def test_the_bucket_key_expires_once_the_budget_has_refilled(redis):
    page_bucket = bucket(redis, page_id=9)
    page_bucket.try_take(2)
    (key,) = redis.keys("herald:send-bucket:*")
    assert key == b"herald:send-bucket:9"
    ttl_ms = redis.pttl(key)
    # The key lives until the two sends taken are paid back (2 intervals), plus a second.
    assert 2 * SLOW_INTERVAL * 1000 < ttl_ms <= 2 * SLOW_INTERVAL * 1000 + 1000


# --- pause --------------------------------------------------------------------------------------


def test_pause_blocks_every_taker_for_the_pause(redis):
    pace = pace_for(300)
    page_bucket = bucket(redis, page_id=3, pace=pace)
    page_bucket.pause(20)
    other_worker = bucket(redis, page_id=3, pace=pace)
    for taker in (page_bucket, other_worker):
        wait = taker.try_take(1)
        # Up to the burst tolerance ((burst - 1) intervals, 27.5 ms here) early, never late.
        tolerance = (pace.burst - 1) / pace.rate
        assert 20 - tolerance - 5 < wait <= 20


def test_pause_holds_a_page_without_a_limit_too(redis):
    unlimited = pace_for(0)
    bucket(redis, page_id=5, pace=unlimited).pause(30)
    wait = bucket(redis, page_id=5, pace=unlimited).try_take(1)  # another worker's view
    assert 25 < wait <= 30
    assert bucket(redis, page_id=6, pace=unlimited).try_take(1) == 0.0


def test_pause_does_not_touch_other_pages(redis):
    pace = pace_for(300)
    bucket(redis, page_id=3, pace=pace).pause(60)
    assert bucket(redis, page_id=4, pace=pace).try_take(1) == 0.0
    assert bucket(redis, page_id=3, pace=pace).try_take(1) > 50


def test_pause_of_a_fresh_bucket_with_burst_one_is_exact(redis):
    page_bucket = bucket(redis, pace=Pace(rate=1.0, burst=1))
    page_bucket.pause(30)
    wait = page_bucket.try_take(1)
    assert 25 < wait <= 30


def test_the_paused_key_expires_after_the_pause_and_the_burst_tolerance(redis):
    page_bucket = bucket(redis, page_id=5, pace=Pace(rate=1.0, burst=3))  # tolerance: 2 s
    page_bucket.pause(2.5)
    assert 4500 < redis.pttl("herald:send-bucket:5") <= 5500


def test_pause_blocks_even_when_shorter_than_the_burst_tolerance(redis):
    page_bucket = bucket(redis, pace=Pace(rate=1.0, burst=10))  # tolerance: 9 s
    page_bucket.pause(5)
    assert page_bucket.try_take(1) > 0


# --- take ---------------------------------------------------------------------------------------


def test_take_returns_at_once_while_the_burst_lasts(redis):
    sleeps: list[float] = []
    page_bucket = bucket(redis)
    for _ in range(SLOW.burst):
        page_bucket.take(1, sleep=sleeps.append)
    assert sleeps == []


def test_take_sleeps_for_the_wait_then_takes(redis):
    page_bucket = bucket(redis, page_id=11)
    drain(page_bucket)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        redis.delete("herald:send-bucket:11")  # as if the time had passed: the budget is back

    page_bucket.take(1, sleep=sleep, max_wait=SLOW_INTERVAL * 2)
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= SLOW_INTERVAL
    assert page_bucket.try_take(1) == 0.0  # the take left two of the new burst


def test_take_gives_up_before_sleeping_past_max_wait(redis):
    page_bucket = bucket(redis)
    drain(page_bucket)
    sleeps: list[float] = []
    with pytest.raises(TimeoutError, match=r"within 1\.0 s"):
        page_bucket.take(1, sleep=sleeps.append, max_wait=1.0)
    assert sleeps == []


def test_take_counts_what_it_already_waited_against_max_wait(redis):
    # One send per 10 s; the fake sleep lets no time pass, so every try asks for ~10 s more.
    page_bucket = bucket(redis, pace=Pace(rate=0.1, burst=1))
    assert page_bucket.try_take(1) == 0.0
    sleeps: list[float] = []
    with pytest.raises(TimeoutError):
        page_bucket.take(1, sleep=sleeps.append, max_wait=25.0)
    assert len(sleeps) == 2
    assert all(5 < seconds <= 10 for seconds in sleeps)
    assert sum(sleeps) <= 25.0


def test_take_raises_for_counts_above_the_burst(redis):
    with pytest.raises(ValueError, match="cannot take 4"):
        bucket(redis).take(4, sleep=pytest.fail)


def test_take_without_a_limit_never_sleeps(redis):
    page_bucket = bucket(redis, pace=pace_for(0))
    for _ in range(100):
        page_bucket.take(1, sleep=pytest.fail, max_wait=0.0)
