"""Helpers shared by the node renderers: Graph's time format, field picking, nested fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_LIMIT_RE = re.compile(r"\.limit\((\d+)\)")


def graph_time(ms: int) -> str:
    """Return epoch milliseconds in Graph's ``2026-11-21T12:00:00+0000`` format."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def pick(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Return the requested fields that have a value, in the order asked (Graph omits nulls)."""
    return {name: values[name] for name in fields if values.get(name) is not None}


@dataclass(frozen=True)
class Nested:
    """What ``edge{a,b}.limit(n)`` inside ``fields`` asks of a nested edge."""

    fields: list[str] | None
    limit: int | None


def split_top_level(raw: str) -> list[str]:
    """Split ``a,b{c,d},e`` at the commas outside braces and parentheses."""
    parts, depth, current = [], 0, ""
    for char in raw:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return [part for part in parts if part]


def nested(raw_fields: str | None, name: str) -> Nested:
    """Return the sub-fields and limit requested for the nested edge ``name``."""
    for part in split_top_level(raw_fields or ""):
        head = re.split(r"[.{(]", part, maxsplit=1)[0]
        if head != name:
            continue
        limit = _LIMIT_RE.search(part)
        inner = None
        if "{" in part and part.endswith("}"):
            inner = [f for f in split_top_level(part[part.index("{") + 1 : -1]) if f]
            inner = [re.split(r"[.{(]", f, maxsplit=1)[0] for f in inner]
        return Nested(inner, int(limit.group(1)) if limit else None)
    return Nested(None, None)
