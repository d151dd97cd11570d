"""A hard cap on what Facebook can count in any one second, whatever the network does.

The Page's token bucket paces sends at just under the limit, but Facebook counts each message when
it processes it, and a batch delayed on its way (a slow hop, a pause on the server) can arrive
right next to the one after it: two batches granted a second apart are then counted in the same
second. Against the sandbox, which counts per sliding second as Facebook does, pacing alone had
a few sends a minute refused as over the limit.

This window closes that gap. A batch is counted from the moment it leaves until one second after
its answer came back (Facebook processed it somewhere in between), and a new batch leaves only if
everything counted so far plus itself stays within the limit. So no one-second span can ever see
more than the limit, at a small cost: each batch holds its share for one second plus its round
trip. A batch whose sender died stops counting after `MAX_FLIGHT` seconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from redis import Redis

MAX_FLIGHT_MS = 30_000  # longer than any request may take (the Graph client's timeouts)
POLL_MS = 50  # the longest single wait: room usually frees up within a batch's round trip

# KEYS[1] = window; ARGV = limit, count, member, max flight, longest wait (ms). Returns 0 when
# admitted, else how many ms to wait before asking again.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+)$'))
end
if used + tonumber(ARGV[2]) <= tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + 2000)
  return 0
end
local wait = tonumber(entries[2]) + 1000 - now
if wait < 5 then wait = 5 end
if wait > tonumber(ARGV[5]) then wait = tonumber(ARGV[5]) end
return wait
"""

# KEYS[1] = window; ARGV = member. The batch's answer came: it counts for one more second.
_DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
"""


class SendWindow:
    """What one Page's sends may add up to in any second, shared by every worker in Redis."""

    def __init__(self, redis: Redis, page_id: int, limit: int) -> None:
        self._redis = redis
        self.key = f"herald:send-window:{page_id}"
        self.limit = limit
        self._admit = redis.register_script(_ADMIT)
        self._done = redis.register_script(_DONE)

    def admit(
        self, count: int, *, max_wait: float, sleep: Callable[[float], None] = time.sleep
    ) -> str | None:
        """Count `count` sends as leaving now; the ticket to `done`, or None after `max_wait`."""
        ticket = f"{uuid.uuid4().hex}:{count}"
        waited = 0.0
        while True:
            wait_ms = int(
                self._admit(
                    keys=[self.key], args=[self.limit, count, ticket, MAX_FLIGHT_MS, POLL_MS]
                )
            )
            if wait_ms == 0:
                return ticket
            if waited >= max_wait:
                return None
            sleep(wait_ms / 1000)
            waited += wait_ms / 1000

    def done(self, ticket: str) -> None:
        """The answer came back: the sends count for one more second, then no longer."""
        self._done(keys=[self.key], args=[ticket])
