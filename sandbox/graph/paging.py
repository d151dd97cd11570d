"""Cursor paging (``limit``/``after``/``before`` with ``next``/``previous`` links)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sandbox import errors
from sandbox.graph.context import CallContext

T = TypeVar("T")
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(key: str) -> str:
    """Return an opaque cursor for an item key."""
    return base64.urlsafe_b64encode(f"cursor:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """Return the item key of a cursor, or raise 100 for a malformed one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError as exc:
        raise errors.invalid_param("Invalid cursor") from exc
    if not text.startswith("cursor:"):
        raise errors.invalid_param("Invalid cursor")
    return text.removeprefix("cursor:")


def paginate(
    ctx: CallContext, items: Sequence[T], key: Callable[[T], str], path: str
) -> tuple[list[T], dict[str, Any]]:
    """Return the requested slice of ``items`` and its ``paging`` object.

    ``path`` is the edge's path (e.g. ``{user-id}/accounts``) used for the ``next`` and
    ``previous`` links, which point back at this server with the call's version prefix.
    """
    request = ctx.request
    limit = _limit(request.text("limit"))
    keys = [key(item) for item in items]
    start, end = 0, len(items)
    after, before = request.text("after"), request.text("before")
    if after:
        position = _position(keys, decode_cursor(after))
        start, end = position + 1, min(len(items), position + 1 + limit)
    elif before:
        position = _position(keys, decode_cursor(before))
        start, end = max(0, position - limit), position
    else:
        end = min(len(items), limit)
    chunk = list(items[start:end])
    paging: dict[str, Any] = {}
    if chunk:
        paging["cursors"] = {
            "before": encode_cursor(keys[start]),
            "after": encode_cursor(keys[end - 1]),
        }
    base = {
        k: v for k, v in (("access_token", request.token), ("fields", request.text("fields"))) if v
    }
    if chunk and start > 0:
        paging["previous"] = request.url(
            path, {**base, "limit": limit, "before": encode_cursor(keys[start])}
        )
    if chunk and end < len(items):
        paging["next"] = request.url(
            path, {**base, "limit": limit, "after": encode_cursor(keys[end - 1])}
        )
    return chunk, paging


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise errors.invalid_param("param limit must be a positive integer")
    return min(int(raw), MAX_LIMIT)


def _position(keys: list[str], wanted: str) -> int:
    try:
        return keys.index(wanted)
    except ValueError as exc:
        raise errors.invalid_param("Invalid cursor") from exc
