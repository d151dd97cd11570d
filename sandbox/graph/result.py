"""The outcome of one Graph call."""

from __future__ import annotations

import json
from dataclasses import dataclass

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass
class OpResult:
    """HTTP status, JSON body text and response headers of one call or batch operation."""

    status: int
    body: str
    headers: dict[str, str]


def dumps(value: object) -> str:
    """Serialize a Graph response body compactly."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
