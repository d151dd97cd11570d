"""Time sources: everything time-dependent takes a clock, so tests move time instead of waiting."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as epoch seconds."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        """Return ``time.time()``."""
        return time.time()


def now_ms(clock: Clock) -> int:
    """Return the clock's time in epoch milliseconds (the unit of messaging timestamps)."""
    return int(clock.now() * 1000)
