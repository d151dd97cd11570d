"""Rate limiting and usage accounting, kept in memory because every Graph call touches them.

* :class:`SendRateLimiter`: a per-Page sliding one-second window (Send API, Conversations API).
* :class:`UsageMeter`: rolling-hour call counts and processing time per app and per Page, which
  become the percentages of ``X-App-Usage`` and ``X-Business-Use-Case-Usage``.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from dataclasses import dataclass, field

from sandbox.clock import Clock

WINDOW_SECONDS = 1.0
HOUR_BUCKETS = 60  # one bucket per minute


class SendRateLimiter:
    """Sliding one-second window of admitted calls per Page."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def try_admit(self, page_id: str, limit: int) -> bool:
        """Count one send if the Page is under ``limit`` this second; ``limit`` 0 means none."""
        now = self._clock.now()
        with self._lock:
            window = self._windows.setdefault(page_id, deque())
            self._evict(window, now)
            if limit and len(window) >= limit:
                return False
            window.append(now)
            return True

    def count(self, page_id: str) -> int:
        """Return the sends admitted for the Page in the last second."""
        now = self._clock.now()
        with self._lock:
            window = self._windows.get(page_id)
            if not window:
                return 0
            self._evict(window, now)
            return len(window)

    @staticmethod
    def _evict(window: deque[float], now: float) -> None:
        # Times are appended in order, so everything older than a second sits at the left.
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()

    def clear(self) -> None:
        """Forget every window (on reset)."""
        with self._lock:
            self._windows.clear()


@dataclass
class _RollingHour:
    """Per-minute buckets of (calls, wall seconds, cpu seconds) with running totals."""

    buckets: deque[list[float]] = field(default_factory=deque)  # [minute, calls, wall, cpu]
    totals: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def add(self, minute: int, wall: float, cpu: float) -> None:
        """Count one call of ``wall``/``cpu`` seconds in ``minute``."""
        self.evict(minute)
        if not self.buckets or self.buckets[-1][0] != minute:
            self.buckets.append([minute, 0.0, 0.0, 0.0])
        bucket = self.buckets[-1]
        for i, value in enumerate((1.0, wall, cpu)):
            bucket[i + 1] += value
            self.totals[i] += value

    def evict(self, minute: int) -> None:
        """Drop the buckets that left the rolling hour."""
        while self.buckets and self.buckets[0][0] <= minute - HOUR_BUCKETS:
            old = self.buckets.popleft()
            for i in range(3):
                self.totals[i] -= old[i + 1]


class UsageMeter:
    """Rolling-hour usage per key (``app:{id}`` or ``page:{id}``)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hours: dict[str, _RollingHour] = {}
        self._lock = threading.Lock()

    def record(self, key: str, wall: float, cpu: float) -> None:
        """Count one call and its processing time against ``key``."""
        minute = int(self._clock.now() // 60)
        with self._lock:
            self._hours.setdefault(key, _RollingHour()).add(minute, wall, cpu)

    def percentages(self, key: str, call_limit: int, time_budget: float) -> dict[str, int]:
        """Return ``call_count``/``total_cputime``/``total_time`` as whole percentages."""
        minute = int(self._clock.now() // 60)
        with self._lock:
            hour = self._hours.get(key)
            if hour is None:
                return {"call_count": 0, "total_cputime": 0, "total_time": 0}
            hour.evict(minute)
            calls, wall, cpu = hour.totals
        return {
            "call_count": _pct(calls, call_limit),
            "total_cputime": _pct(cpu, time_budget),
            "total_time": _pct(wall, time_budget),
        }

    def clear(self) -> None:
        """Forget all usage (on reset)."""
        with self._lock:
            self._hours.clear()


def _pct(used: float, limit: float) -> int:
    return min(math.ceil(used * 100 / limit), 9999) if limit else 0


def buc_header(page_id: str, usage_type: str, usage: dict[str, int], regain_minutes: int) -> str:
    """Serialize an ``X-Business-Use-Case-Usage`` value for one Page."""
    entry = {"type": usage_type, **usage, "estimated_time_to_regain_access": regain_minutes}
    return json.dumps({page_id: [entry]}, separators=(",", ":"))
