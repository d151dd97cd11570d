"""The composed content of a broadcast: one Messenger message, checked against every limit.

Content is plain data shared by the composer form and the API:

    {"kind": "text", "text": "Hi {{first_name|there}}!", "buttons": [...], "quick_replies": [...]}
    {"kind": "media", "media": {"type": "image", "url": "https://…"} or {"type": …, "file_id": 3}}
    {"kind": "cards", "cards": [{"title", "subtitle", "image_url", "url", "buttons": [...]}]}

Buttons are `{"type": "web_url", "title", "url"}` or `{"type": "postback", "title", "payload"}`;
quick replies `{"title", "payload"}`. Each recipient gets exactly one message (see `render`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from app.broadcasts import personalize
from app.core import content as limits
from app.core.db import parse_id

KINDS = ("text", "media", "cards")
BUTTON_TYPES = ("web_url", "postback")
MAX_URL = 2000
# Herald adds "herald-b:<broadcast>:<ref>:" to payloads so taps are counted; leave room for it.
MAX_MARKETER_PAYLOAD = limits.MAX_PAYLOAD - 40


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _button(raw: Mapping[str, Any]) -> dict[str, str] | None:
    kind = _text(raw.get("type")) or "web_url"
    title, url, payload = _text(raw.get("title")), _text(raw.get("url")), _text(raw.get("payload"))
    if not (title or url or payload):
        return None  # an empty row of the form
    if kind == "postback":
        return {"type": "postback", "title": title, "payload": payload or title.upper()}
    return {"type": kind, "title": title, "url": url}


def _items(raw: Any) -> list[Mapping[str, Any]]:
    """The objects of a list given by a client; anything else is no rows at all."""
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


def _buttons(raw: Any) -> list[dict[str, str]]:
    rows = [_button(item) for item in _items(raw)]
    return [row for row in rows if row is not None]


def _quick_replies(raw: Any) -> list[dict[str, str]]:
    replies = []
    for item in _items(raw):
        title, payload = _text(item.get("title")), _text(item.get("payload"))
        if title or payload:
            replies.append({"title": title, "payload": payload or title.upper()})
    return replies


def _card(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    card = {key: _text(raw.get(key)) for key in ("title", "subtitle", "image_url", "url")} | {
        "buttons": _buttons(raw.get("buttons"))
    }
    return card if any(card.values()) else None


def normalize(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean content from a form or the API: trimmed, empty rows dropped, only its kind's parts."""
    kind = _text(data.get("kind")) or "text"
    result: dict[str, Any] = {
        "kind": kind,
        "quick_replies": _quick_replies(data.get("quick_replies")),
    }
    if kind == "text":
        result.update(
            text=str(data.get("text") or "").strip(), buttons=_buttons(data.get("buttons"))
        )
    elif kind == "media":
        media = data.get("media") if isinstance(data.get("media"), Mapping) else {}
        file_id = media.get("file_id")
        result["media"] = {
            "type": _text(media.get("type")) or "image",
            "url": "" if file_id else _text(media.get("url")),
            "file_id": parse_id(file_id),
        }
    elif kind == "cards":
        cards = [_card(item) for item in _items(data.get("cards"))]
        result["cards"] = [card for card in cards if card is not None]
    return result


def _url_ok(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and len(url) <= MAX_URL


def _plain(value: str, where: str, found: list[str]) -> None:
    if "{{" in value:
        found.append(f"{where}: placeholders work in the text, card titles and subtitles only.")


def _check_buttons(buttons: list[dict[str, str]], owner: str, found: list[str]) -> None:
    if len(buttons) > limits.MAX_BUTTONS:
        found.append(f"{owner} has {len(buttons)} buttons; Messenger allows {limits.MAX_BUTTONS}.")
    for index, button in enumerate(buttons, start=1):
        label = f"{owner}, button {index}"
        if button["type"] not in BUTTON_TYPES:
            found.append(f"{label}: choose a link or a reply button.")
            continue
        if not button["title"]:
            found.append(f"{label} needs a label.")
        elif len(button["title"]) > limits.MAX_BUTTON_TITLE:
            found.append(f"{label}: the label is over {limits.MAX_BUTTON_TITLE} characters.")
        _plain(button["title"], label, found)
        if button["type"] == "web_url" and not _url_ok(button.get("url", "")):
            found.append(f"{label} needs a web address starting with https:// (or http://).")
        if button["type"] == "postback" and len(button.get("payload", "")) > MAX_MARKETER_PAYLOAD:
            found.append(f"{label}: the reply value is over {MAX_MARKETER_PAYLOAD} characters.")


def _check_text(content: dict[str, Any], found: list[str]) -> None:
    text, buttons = content["text"], content["buttons"]
    if not text:
        found.append("Write the message text.")
    limit = limits.MAX_BUTTON_TEXT if buttons else limits.MAX_TEXT - 1
    if len(text) > limit:
        why = " (with buttons, Messenger allows 640)" if buttons else ""
        found.append(f"The text has {len(text)} characters; the limit is {limit}{why}.")
    found.extend(personalize.problems(text, "Text"))
    _check_buttons(buttons, "The message", found)


def _check_media(content: dict[str, Any], found: list[str]) -> None:
    media = content["media"]
    if media["type"] not in limits.MEDIA_TYPES:
        found.append("Choose an image, a video, an audio clip or a file.")
    if media["file_id"] is None and not _url_ok(media["url"]):
        found.append("Give the media's web address (https://…) or upload a file.")


def _check_cards(content: dict[str, Any], found: list[str]) -> None:
    cards = content["cards"]
    if not cards:
        found.append("Add at least one card.")
    if len(cards) > limits.MAX_ELEMENTS:
        found.append(f"{len(cards)} cards; a carousel holds at most {limits.MAX_ELEMENTS}.")
    for index, card in enumerate(cards, start=1):
        owner = f"Card {index}"
        if not card["title"]:
            found.append(f"{owner} needs a title.")
        for key, label in (("title", "title"), ("subtitle", "subtitle")):
            if len(card[key]) > limits.MAX_TITLE:
                found.append(f"{owner}: the {label} is over {limits.MAX_TITLE} characters.")
            found.extend(personalize.problems(card[key], f"{owner} {label}"))
        for key, label in (("image_url", "image"), ("url", "link")):
            if card[key] and not _url_ok(card[key]):
                found.append(f"{owner}: the {label} must be a web address starting with https://.")
        _check_buttons(card["buttons"], owner, found)


def _check_quick_replies(replies: list[dict[str, str]], found: list[str]) -> None:
    if len(replies) > limits.MAX_QUICK_REPLIES:
        found.append(
            f"{len(replies)} quick replies; Messenger shows at most {limits.MAX_QUICK_REPLIES}."
        )
    for index, reply in enumerate(replies, start=1):
        label = f"Quick reply {index}"
        if not reply["title"]:
            found.append(f"{label} needs a label.")
        elif len(reply["title"]) > limits.MAX_QUICK_REPLY_TITLE:
            found.append(f"{label}: the label is over {limits.MAX_QUICK_REPLY_TITLE} characters.")
        _plain(reply["title"], label, found)
        if len(reply["payload"]) > MAX_MARKETER_PAYLOAD:
            found.append(f"{label}: the reply value is over {MAX_MARKETER_PAYLOAD} characters.")


def problems(content: Mapping[str, Any]) -> list[str]:
    """Everything Messenger would refuse in normalized content (empty when it can be sent)."""
    found: list[str] = []
    kind = content.get("kind")
    if kind not in KINDS:
        return ["Choose a text message, media or cards."]
    {"text": _check_text, "media": _check_media, "cards": _check_cards}[kind](dict(content), found)
    _check_quick_replies(content.get("quick_replies") or [], found)
    return found


def templates_of(content: Mapping[str, Any]) -> list[str]:
    """Every text that may hold placeholders (to know which custom fields a send needs)."""
    texts = [str(content.get("text") or "")]
    for card in content.get("cards") or []:
        texts += [card.get("title") or "", card.get("subtitle") or ""]
    return texts
