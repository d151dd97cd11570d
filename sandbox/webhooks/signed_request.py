"""Facebook's ``signed_request``: ``base64url(HMAC-SHA256 signature).base64url(JSON payload)``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_signed_request(app_secret: str, payload: dict[str, Any]) -> str:
    """Sign ``payload`` (``algorithm`` is set to HMAC-SHA256) with the app secret."""
    body = _b64url(json.dumps({"algorithm": "HMAC-SHA256", **payload}).encode())
    signature = hmac.new(app_secret.encode(), body.encode("ascii"), hashlib.sha256).digest()
    return f"{_b64url(signature)}.{body}"


def parse_signed_request(app_secret: str, signed_request: str) -> dict[str, Any] | None:
    """Return the payload if the signature is valid, else None."""
    signature, sep, body = signed_request.partition(".")
    if not sep:
        return None
    expected = hmac.new(app_secret.encode(), body.encode("ascii"), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _b64url_decode(signature)):
            return None
        return json.loads(_b64url_decode(body))
    except ValueError:
        return None
