"""Webhook payloads from tests/payloads/webhooks, moved to the present and signed like Meta's."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "webhooks"
APP_SECRET = "dev-sandbox-app-secret"
BASE_MS = 1763712000000  # the payloads' own clock; moved so the first event is a minute ago
TIME_KEYS = {"timestamp", "watermark", "time", "created_time"}


def _shift(value: Any, delta_ms: int) -> Any:
    if isinstance(value, dict):
        return {
            key: (_moved(item, delta_ms) if key in TIME_KEYS else _shift(item, delta_ms))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_shift(item, delta_ms) for item in value]
    return value


def _moved(value: Any, delta_ms: int) -> Any:
    if not isinstance(value, int):
        return value
    return value + delta_ms if value > 10**12 else value + delta_ms // 1000  # ms or seconds


def payload(name: str, *, now_ms: int | None = None) -> dict[str, Any]:
    """A stored payload with its times moved so that it happened just now."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text())
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return _shift(data, now_ms - 60_000 - BASE_MS)


def body_of(data: dict[str, Any]) -> bytes:
    """Serialize like Meta: compact, ASCII-escaped, with '/' escaped."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, data: dict[str, Any] | bytes, *, secret: str = APP_SECRET, sign: bool = True):
    """POST a delivery to /webhooks/messenger as Facebook would."""
    body = data if isinstance(data, bytes) else body_of(data)
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-Hub-Signature-256"] = signature(body, secret)
    return client.post("/webhooks/messenger", data=body, headers=headers)
