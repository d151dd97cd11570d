"""Per-Page send rate limits shared by every worker, kept in Redis (GCRA, one atomic script).

Facebook limits each Page (300 messages/s by default) and counts over a sliding second, so
Herald paces just below the limit with a small burst: rate + burst stays within the limit in any
second, and Facebook should never have to say 613.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis

# KEYS[1] = bucket; ARGV = interval_us, burst_us (tolerance), cost. Returns wait in microseconds.
_GCRA = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval, tolerance, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now_us)
if tat < now_us then tat = now_us end
local new_tat = tat + interval * cost
local allow_at = new_tat - tolerance - interval
if allow_at > now_us then return allow_at - now_us end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now_us) / 1000) + 1000)
return 0
"""

HEADROOM = 0.97  # pace at 97% of the limit; the rest is the burst allowance


@dataclass(frozen=True)
class Pace:
    """How fast and in what bursts to send for one Page."""

    rate: float  # messages per second Herald aims for
    burst: int  # messages that may go at once (also the useful batch size)


def pace_for(limit_per_second: int, max_batch: int = 50) -> Pace:
    """Rate and burst that keep any second within `limit_per_second`.

    At most `rate + burst - 1` sends fit in one second (the first of a burst is part of the
    rate), and the burst is taken from the rate, so that never exceeds the limit.
    """
    if limit_per_second <= 0:
        return Pace(rate=0.0, burst=max_batch)  # no limit
    burst = max(1, min(max_batch, int(limit_per_second * (1 - HEADROOM))))
    return Pace(rate=max(limit_per_second - burst, 1) * 1.0, burst=burst)


class PageBucket:
    """The shared send budget of one Page."""

    def __init__(self, redis: Redis, page_id: int, pace: Pace) -> None:
        self._redis = redis
        self._key = f"herald:send-bucket:{page_id}"
        self.pace = pace
        self._script = redis.register_script(_GCRA)

    def try_take(self, count: int = 1) -> float:
        """Take `count` sends if available now; else take nothing and return seconds to wait."""
        if self.pace.rate <= 0:
            return self._paused_for()
        if count > self.pace.burst:
            raise ValueError(f"cannot take {count} at once; the burst is {self.pace.burst}")
        interval_us, tolerance_us = self._spacing_us()
        wait_us = int(self._script(keys=[self._key], args=[interval_us, tolerance_us, count]))
        return wait_us / 1_000_000

    def _paused_for(self) -> float:
        """Seconds left of a pause of a Page without a limit (0: not paused)."""
        left_ms = self._redis.pttl(f"{self._key}:paused")
        return left_ms / 1000 if left_ms > 0 else 0.0

    def _spacing_us(self) -> tuple[int, int]:
        """Microseconds between sends, and how far ahead a burst may run."""
        interval_us = int(1_000_000 / self.pace.rate)
        return interval_us, interval_us * max(self.pace.burst - 1, 0)

    def take(
        self, count: int = 1, *, sleep: Callable[[float], None] = time.sleep, max_wait: float = 60.0
    ) -> None:
        """Block until `count` sends are granted (or raise TimeoutError after `max_wait`)."""
        waited = 0.0
        while True:
            wait = self.try_take(count)
            if wait <= 0:
                return
            if waited + wait > max_wait:
                raise TimeoutError(f"send budget not available within {max_wait} s")
            sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Push the budget back (Facebook said slow down): nobody sends for `seconds`."""
        if self.pace.rate <= 0:
            # No budget to push back: a Page without a limit still waits as Facebook asks.
            if seconds > 0:
                self._redis.set(f"{self._key}:paused", 1, px=max(int(seconds * 1000), 1))
            return
        _interval_us, tolerance_us = self._spacing_us()
        now_s, now_us = self._redis.time()  # Redis's clock, as the script uses
        # The burst tolerance lets sends run ahead of the schedule: push past it too.
        pushed = (now_s * 1_000_000 + now_us) + int(seconds * 1_000_000) + tolerance_us
        self._redis.set(self._key, pushed, px=int(seconds * 1000) + tolerance_us // 1000 + 1000)
