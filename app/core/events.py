"""Live updates: features publish events; dashboards receive them as server-sent events.

Each workspace has a Redis pub/sub channel for events as they happen and a capped Redis stream
keeping the recent past under the same ids. A browser that reconnects sends the id of the last
event it saw (Last-Event-ID) and first receives everything it missed from the stream, then the
live channel. One Lua script writes both, so an event is never live without its history.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, request, stream_with_context
from flask_login import current_user
from redis import Redis, RedisError

from app.extensions import db, redis_client

log = logging.getLogger(__name__)

HISTORY = 5000  # events kept per workspace for reconnecting streams
KEEPALIVE_SECONDS = 15.0

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id
"""


@dataclass(frozen=True)
class Event:
    """One live update: what happened, on which Page (for agents' filtering), and its data."""

    id: str
    type: str
    page_id: int | None
    data: dict[str, Any]

    def sse(self) -> str:
        """The event in text/event-stream form."""
        payload = json.dumps({"page_id": self.page_id, **self.data}, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n"


def _keys(workspace_id: int) -> tuple[str, str]:
    return f"herald:events:{workspace_id}:history", f"herald:events:{workspace_id}:live"


def publish(
    workspace_id: int, event_type: str, data: dict[str, Any], page_id: int | None = None
) -> str | None:
    """Send an event to every open dashboard of the workspace; returns its id.

    Best effort: it is called after the change is committed, and a Redis outage must not turn
    a stored change into an error. Dashboards catch up when they reload (None is returned).
    """
    client = redis_client.client
    body = json.dumps({"type": event_type, "page_id": page_id, "data": data}, separators=(",", ":"))
    try:
        result = client.register_script(_PUBLISH)(
            keys=list(_keys(workspace_id)), args=[body, HISTORY]
        )
    except RedisError as exc:
        log.warning(
            "live update %s for workspace %s not published: %s", event_type, workspace_id, exc
        )
        return None
    return result.decode() if isinstance(result, bytes) else str(result)


def _event(event_id: str, body: bytes | str) -> Event:
    parsed = json.loads(body)
    return Event(event_id, parsed["type"], parsed.get("page_id"), parsed.get("data") or {})


def _newer(event_id: str, than: str | None) -> bool:
    if than is None:
        return True
    millis, _, seq = event_id.partition("-")
    other_millis, _, other_seq = than.partition("-")
    return (int(millis), int(seq or 0)) > (int(other_millis), int(other_seq or 0))


def latest_id(workspace_id: int) -> str:
    """The id of the workspace's newest event ("0-0" when none): a page rendered now has seen it.

    A page passes it when it opens its stream, so events between rendering and connecting
    are not lost.
    """
    history, _live = _keys(workspace_id)
    newest = redis_client.client.xrevrange(history, count=1)
    return newest[0][0].decode() if newest else "0-0"


def missed(client: Redis, workspace_id: int, last_id: str) -> list[Event]:
    """Events after `last_id` still in the workspace's history."""
    history, _live = _keys(workspace_id)
    return [
        _event(raw_id.decode(), fields[b"event"])
        for raw_id, fields in client.xrange(history, min=f"({last_id}", max="+")
    ]


def stream(
    client: Redis,
    workspace_id: int,
    *,
    last_id: str | None,
    allowed: Callable[[Event], bool],
    max_seconds: float = 600.0,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """Server-sent events for one dashboard: missed ones first, then live ones, with keepalives.

    Ends after `max_seconds`; the browser reconnects with Last-Event-ID and loses nothing.
    """
    _history, live = _keys(workspace_id)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live)  # before reading history, so nothing falls between the two
    try:
        yield "retry: 2000\n\n"
        sent = last_id
        for event in missed(client, workspace_id, last_id) if last_id else ():
            sent = event.id
            if allowed(event):
                yield event.sse()
        deadline = clock() + max_seconds
        while clock() < deadline:
            message = pubsub.get_message(timeout=KEEPALIVE_SECONDS)
            if message is None:
                yield ": keepalive\n\n"
                continue
            event_id, _, body = message["data"].decode().partition(" ")
            if not _newer(event_id, sent):
                continue  # already sent from the history
            sent = event_id
            event = _event(event_id, body)
            if allowed(event):
                yield event.sse()
    finally:
        pubsub.close()


def stream_response(wanted: Callable[[Event], bool] = lambda _event: True) -> Response:
    """Server-sent events for the signed-in user: their workspace's events about Pages they may
    see (or about no Page), and of those the ones `wanted` keeps."""
    from app.core.auth import visible_pages  # auth needs the models, loaded after this module

    workspace_id = current_user.workspace_id
    page_ids = {page.id for page in visible_pages(current_user)}
    last_id = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    db.session.remove()  # hold no database connection for as long as the stream stays open

    def allowed(event: Event) -> bool:
        return (event.page_id is None or event.page_id in page_ids) and wanted(event)

    body = stream(redis_client.client, workspace_id, last_id=last_id, allowed=allowed)
    return Response(
        stream_with_context(body),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
