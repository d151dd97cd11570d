"""How parameters travel to Graph: flat strings, object values as compact JSON, signed tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Return the hex HMAC-SHA256 of the access token keyed with the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def compact_json(value: Any) -> str:
    """Serialize `value` the way Graph expects object-valued parameters: compact, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_value(value: Any) -> str:
    """Encode one parameter value as the string Graph reads.

    Booleans become "true"/"false" (Python's "True" is not understood), numbers their
    decimal form, and dicts/lists/tuples compact JSON (recipient, message, batch, targeting...).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return compact_json(value)


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Encode every parameter with `encode_value`, dropping those whose value is None."""
    if not params:
        return {}
    return {name: encode_value(value) for name, value in params.items() if value is not None}


def form_encode(params: Mapping[str, Any] | None) -> str:
    """Form-encode parameters into one string, as a batch operation's `body` must be."""
    return urlencode(encode_params(params))
