"""Constants and helpers shared by the Graph client tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from pathlib import Path
from typing import Any

import responses

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "graph"

BASE = "https://graph.facebook.com/v25.0"
APP_ID = "1357924680"
APP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PAGE_ID = "104857600123456"
PSID = "6021857384012345"
PAGE_TOKEN = "EAAGpageTokenABC123xyz"
USER_TOKEN = "EAAGm0PX4ZCpsBAUserToken"
APP_TOKEN = f"{APP_ID}|{APP_SECRET}"


def expected_proof(token: str, secret: str = APP_SECRET) -> str:
    """The appsecret_proof Graph expects, computed here independently of the client."""
    return hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def signed(params: dict[str, str], token: str = PAGE_TOKEN) -> dict[str, str]:
    """`params` plus the access_token and appsecret_proof every call must carry."""
    return {**params, "access_token": token, "appsecret_proof": expected_proof(token)}


def load_payload(name: str) -> Any:
    """Read a stored payload from tests/payloads/graph."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def add_payload(mocked: responses.RequestsMock, method: str, url: str, name: str, **kwargs: Any):
    """Register a stored reply ({"http_status", "headers", "body"}) for one request."""
    payload = load_payload(name)
    return mocked.add(
        method,
        url,
        json=payload["body"],
        status=payload["http_status"],
        headers=payload["headers"],
        **kwargs,
    )


class CeilingRandom(random.Random):
    """A Random whose uniform() returns the upper bound, exposing the backoff ceiling."""

    def uniform(self, a: float, b: float) -> float:
        """Return the upper bound of the range."""
        return b
