"""Lenient readers for values in Graph replies, which are not always the type documented."""

from __future__ import annotations

from typing import Any


def optional_str(value: Any) -> str | None:
    """Return `value` as a string, or None when it is missing or not text or a number.

    Old payloads sometimes carry numeric ids; Herald handles ids as strings only.
    """
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, str | int) else None


def optional_int(value: Any) -> int | None:
    """Return `value` as an int (digit strings accepted), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
