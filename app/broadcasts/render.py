"""Turning composed content into the Send API `message` one recipient receives.

Text becomes a text message (or a button template when it has buttons), media an attachment
(by the Page's uploaded attachment id when there is one), cards a generic template. Placeholders
are filled from the recipient's values and cut to Messenger's limits; link buttons point at
Herald's tracked short links and reply payloads name the broadcast, so taps can be counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.broadcasts import links
from app.broadcasts.personalize import Values, fit, render
from app.core import content as limits


@dataclass(frozen=True)
class Target:
    """Who the message is for and how taps are tracked (recipient 0: a test or a preview)."""

    broadcast_id: int
    base_url: str
    recipient_id: int = 0
    track: bool = True
    # {"attachment_id": ...} once uploaded to the Page, else {"url": ..., "is_reusable": True}.
    media_payload: Mapping[str, Any] = field(default_factory=dict)


def _payload(payload: str, ref: str, target: Target) -> str:
    return links.wrap_payload(target.broadcast_id, ref, payload) if target.track else payload


def _button(button: Mapping[str, str], ref: str, target: Target) -> dict[str, str]:
    if button["type"] == "postback":
        payload = _payload(button["payload"], ref, target)
        return {"type": "postback", "title": button["title"], "payload": payload}
    return {"type": "web_url", "title": button["title"], "url": _link(button["url"], ref, target)}


def _link(url: str, ref: str, target: Target) -> str:
    if not target.track:
        return url
    return links.tracked_url(target.base_url, target.broadcast_id, target.recipient_id, ref)


def _text_message(content: Mapping[str, Any], values: Values, target: Target) -> dict[str, Any]:
    text = render(content["text"], values)
    buttons = content.get("buttons") or []
    if not buttons:
        return {"text": fit(text, limits.MAX_TEXT - 1)}
    payload = {
        "template_type": "button",
        "text": fit(text, limits.MAX_BUTTON_TEXT),
        "buttons": [_button(b, f"b{i}", target) for i, b in enumerate(buttons)],
    }
    return {"attachment": {"type": "template", "payload": payload}}


def _card(index: int, card: Mapping[str, Any], values: Values, target: Target) -> dict[str, Any]:
    element: dict[str, Any] = {"title": fit(render(card["title"], values), limits.MAX_TITLE)}
    subtitle = fit(render(card.get("subtitle") or "", values), limits.MAX_TITLE)
    if subtitle:
        element["subtitle"] = subtitle
    if card.get("image_url"):
        element["image_url"] = card["image_url"]
    if card.get("url"):
        element["default_action"] = {
            "type": "web_url",
            "url": _link(card["url"], f"c{index}", target),
        }
    buttons = card.get("buttons") or []
    if buttons:
        element["buttons"] = [_button(b, f"c{index}b{j}", target) for j, b in enumerate(buttons)]
    return element


def _cards_message(content: Mapping[str, Any], values: Values, target: Target) -> dict[str, Any]:
    elements = [_card(i, card, values, target) for i, card in enumerate(content["cards"])]
    payload = {"template_type": "generic", "elements": elements}
    return {"attachment": {"type": "template", "payload": payload}}


def _media_message(content: Mapping[str, Any], target: Target) -> dict[str, Any]:
    media = content["media"]
    payload = dict(target.media_payload) or {"url": media.get("url"), "is_reusable": True}
    return {"attachment": {"type": media["type"], "payload": payload}}


def message(content: Mapping[str, Any], values: Values, target: Target) -> dict[str, Any]:
    """The Send API `message` for one recipient."""
    kind = content["kind"]
    if kind == "cards":
        result = _cards_message(content, values, target)
    elif kind == "media":
        result = _media_message(content, target)
    else:
        result = _text_message(content, values, target)
    replies = content.get("quick_replies") or []
    if replies:
        result["quick_replies"] = [
            {
                "content_type": "text",
                "title": reply["title"],
                "payload": _payload(reply["payload"], f"q{i}", target),
            }
            for i, reply in enumerate(replies)
        ]
    return result


def text_of(message_object: Mapping[str, Any]) -> str | None:
    """The words of a rendered message, for the subscriber's timeline."""
    if message_object.get("text"):
        return str(message_object["text"])
    payload = (message_object.get("attachment") or {}).get("payload") or {}
    return payload.get("text")
