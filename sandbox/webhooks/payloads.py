"""Webhook bodies exactly as Meta shapes, serializes and signs them.

Messaging entries carry one event and millisecond times; feed entries carry ``changes`` and second
times. Bodies are compact JSON with ASCII escaping (lowercase ``\\u00e4``) and ``/`` escaped as
``\\/``, and are signed over those exact bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

# Which subscription field each messaging event travels under.
MESSAGING_FIELDS = {
    "message": "messages",
    "echo": "message_echoes",
    "delivery": "message_deliveries",
    "read": "message_reads",
    "postback": "messaging_postbacks",
    "referral": "messaging_referrals",
    "optin": "messaging_optins",
}


def serialize(payload: dict[str, Any]) -> bytes:
    """Serialize like Meta: compact, ASCII-escaped, with ``/`` written as ``\\/``."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    # "/" can only occur inside JSON strings, so a plain replace escapes exactly those.
    return text.replace("/", "\\/").encode("ascii")


def signatures(app_secret: str, body: bytes) -> dict[str, str]:
    """Return the ``X-Hub-Signature-256`` and legacy ``X-Hub-Signature`` headers for a body."""
    key = app_secret.encode()
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, "sha1").hexdigest(),
    }


def page_payload(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap entries in the ``{"object":"page","entry":[...]}`` envelope."""
    return {"object": "page", "entry": entries}


def messaging_entry(page_id: str, time_ms: int, event: dict[str, Any]) -> dict[str, Any]:
    """Return a messaging entry holding one event."""
    return {"id": page_id, "time": time_ms, "messaging": [event]}


def feed_entry(page_id: str, time_s: int, value: dict[str, Any]) -> dict[str, Any]:
    """Return a feed entry holding one change."""
    return {"id": page_id, "time": time_s, "changes": [{"field": "feed", "value": value}]}


def _base(sender: dict[str, str], recipient: str, timestamp: int | None) -> dict[str, Any]:
    event: dict[str, Any] = {"sender": sender, "recipient": {"id": recipient}}
    if timestamp is not None:
        event["timestamp"] = timestamp
    return event


def message_event(
    page_id: str,
    psid: str,
    timestamp: int,
    message: dict[str, Any],
    prior_message: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A person's message (``message`` holds mid, text, quick_reply, attachments...)."""
    event = _base({"id": psid}, page_id, timestamp)
    if prior_message is not None:
        event["prior_message"] = prior_message
    event["message"] = message
    return event


def echo_event(
    page_id: str,
    psid: str,
    timestamp: int,
    mid: str,
    content: dict[str, Any],
    app_id: str,
) -> dict[str, Any]:
    """The echo of a Page's message: sender is the Page, ``is_echo`` and ``app_id`` set."""
    message: dict[str, Any] = {"mid": mid, "is_echo": True, "app_id": int(app_id)}
    if content.get("metadata") is not None:
        message["metadata"] = content["metadata"]
    if content.get("text") is not None:
        message["text"] = content["text"]
    if content.get("attachment") is not None:
        message["attachments"] = [echo_attachment(content["attachment"])]
    if content.get("sticker_id") is not None:
        message["sticker_id"] = int(content["sticker_id"])
    if content.get("quick_replies") is not None:
        message["quick_replies"] = content["quick_replies"]
    return _base({"id": page_id}, psid, timestamp) | {"message": message}


def echo_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    """Return an attachment as Messenger echoes it."""
    payload = attachment.get("payload") or {}
    if attachment.get("type") == "template":
        return {"type": "template", "payload": payload}
    return {"type": attachment.get("type"), "payload": {"url": payload.get("url")}}


def delivery_event(page_id: str, psid: str, mids: list[str], watermark: int) -> dict[str, Any]:
    """Delivery receipt: every message up to ``watermark`` (ms) reached the person."""
    return _base({"id": psid}, page_id, None) | {"delivery": {"mids": mids, "watermark": watermark}}


def read_event(page_id: str, psid: str, timestamp: int, watermark: int) -> dict[str, Any]:
    """Read receipt: the person has seen every message up to ``watermark`` (ms)."""
    return _base({"id": psid}, page_id, timestamp) | {"read": {"watermark": watermark}}


def postback_event(
    page_id: str,
    psid: str,
    timestamp: int,
    postback: dict[str, Any],
) -> dict[str, Any]:
    """A tapped button or Get Started (``postback`` holds title, payload, mid, referral?)."""
    return _base({"id": psid}, page_id, timestamp) | {"postback": postback}


def referral_event(
    page_id: str, psid: str, timestamp: int, referral: dict[str, Any]
) -> dict[str, Any]:
    """An m.me link (or ad) opened on an existing thread."""
    return _base({"id": psid}, page_id, timestamp) | {"referral": referral}


def optin_event(
    page_id: str, sender: dict[str, str], timestamp: int, optin: dict[str, Any]
) -> dict[str, Any]:
    """An opt-in; ``sender`` is ``{"id": psid}`` or ``{"user_ref": ...}`` for plugins."""
    return _base(sender, page_id, timestamp) | {"optin": optin}


def shortlink_referral(ref: str) -> dict[str, str]:
    """Return the referral object of an m.me link with ``ref``."""
    return {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}


def comment_change(
    *,
    verb: str,
    comment_id: str,
    post_id: str,
    parent_id: str,
    author: dict[str, str],
    created_time: int,
    message: str | None,
) -> dict[str, Any]:
    """A feed change for a comment (verb add/edited/remove/hide/unhide); no message on remove."""
    value: dict[str, Any] = {
        "from": author,
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": parent_id,
        "created_time": created_time,
    }
    if verb != "remove" and message is not None:
        value["message"] = message
    return value


def post_change(
    *, verb: str, post_id: str, author: dict[str, str], created_time: int, message: str | None
) -> dict[str, Any]:
    """A feed change for a post (verb add/edited/remove/hide/unhide)."""
    value: dict[str, Any] = {
        "from": author,
        "item": "post",
        "verb": verb,
        "post_id": post_id,
        "is_hidden": False,
        "created_time": created_time,
    }
    if verb != "remove" and message is not None:
        value["message"] = message
    return value
