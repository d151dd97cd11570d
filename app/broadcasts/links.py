"""Counting taps: tracked link buttons (/b/<signed token>) and tagged reply payloads.

A link button's URL is replaced by Herald's short link, signed so it cannot be forged; the link
names the broadcast, the recipient and which button it was, never the destination, which is read
from the stored broadcast: no one can make Herald redirect elsewhere. Reply buttons and quick
replies carry `herald-b:<broadcast>:<ref>:<payload>`, so the postback names its broadcast.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, Signer

PAYLOAD_PREFIX = "herald-b:"
_PAYLOAD = re.compile(r"^herald-b:(\d+):([a-z0-9]{1,8}):(.*)$", re.DOTALL)
_REF = re.compile(r"^(?:b(\d)|c(\d{1,2})(?:b(\d))?)$")
_TOKEN_VALUE = re.compile(r"^(\d+)-(\d+)-([a-z0-9]{1,8})$")


def _signer() -> Signer:
    return _signer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _signer_for(secret_key: str) -> Signer:
    # Built once per key: every recipient's every link button is signed.
    return Signer(secret_key, salt="herald-broadcast-link", digest_method=hashlib.sha256)


def token(broadcast_id: int, recipient_id: int, ref: str) -> str:
    """The signed token of one button for one recipient (recipient 0 for a test send)."""
    return _signer().sign(f"{broadcast_id}-{recipient_id}-{ref}").decode()


def read_token(value: str) -> tuple[int, int, str] | None:
    """(broadcast id, recipient id, button ref) of a genuine token, else None."""
    try:
        raw = _signer().unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    match = _TOKEN_VALUE.match(raw)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), match.group(3)


def tracked_url(base_url: str, broadcast_id: int, recipient_id: int, ref: str) -> str:
    """Herald's short link for a button (`base_url` is PUBLIC_URL, read once per batch)."""
    return f"{base_url}/b/{token(broadcast_id, recipient_id, ref)}"


def wrap_payload(broadcast_id: int, ref: str, payload: str) -> str:
    """A reply payload that names its broadcast."""
    return f"{PAYLOAD_PREFIX}{broadcast_id}:{ref}:{payload}"


def read_payload(payload: str | None) -> tuple[int, str, str] | None:
    """(broadcast id, ref, the marketer's payload) of a tagged payload, else None."""
    match = _PAYLOAD.match(payload or "")
    if match is None:
        return None
    return int(match.group(1)), match.group(2), match.group(3)


def destination(content: Mapping[str, Any], ref: str) -> str | None:
    """The URL behind a link button of the stored content (None when there is none)."""
    match = _REF.match(ref)
    if match is None:
        return None
    button, card, card_button = match.groups()
    try:
        if button is not None:
            target = (content.get("buttons") or [])[int(button)]
        else:
            element = (content.get("cards") or [])[int(card)]
            target = element if card_button is None else element["buttons"][int(card_button)]
    except (IndexError, KeyError, TypeError):
        return None
    url = target.get("url")
    if target.get("type", "web_url") != "web_url" or not isinstance(url, str):
        return None
    return url if url.startswith(("https://", "http://")) else None


def is_crawler(user_agent: str | None) -> bool:
    """Link-preview robots open links nobody tapped: they are not clicks."""
    agent = (user_agent or "").lower()
    return any(bot in agent for bot in ("facebookexternalhit", "facebot", "bot/", "crawler"))
