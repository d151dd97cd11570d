"""Validation of Send API ``message`` objects against Messenger's limits (all errors are 100).

Returns a normalized copy (quick-reply titles truncated at 20 characters, as Messenger shows them)
that is stored in the thread and echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox import errors
from sandbox.errors import GraphError

TEXT_LIMIT = 2000  # text must be shorter than this
METADATA_LIMIT = 1000
PAYLOAD_LIMIT = 1000
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20
MAX_ELEMENTS = 10
ELEMENT_TEXT_LIMIT = 80
MAX_BUTTONS = 3
BUTTON_TEXT_LIMIT = 640
BUTTON_TITLE_LIMIT = 20
MEDIA_TYPES = ("image", "audio", "video", "file")
QUICK_REPLY_TYPES = ("text", "user_phone_number", "user_email")

AttachmentLookup = Callable[[str], bool]


def invalid(message: str, rule: str) -> GraphError:
    """Return a 100 error for a content rule."""
    return errors.invalid_param(message, rule=rule)


def validate_message(message: Any, attachment_known: AttachmentLookup) -> dict[str, Any]:
    """Validate a ``message`` object and return its normalized copy."""
    if not isinstance(message, dict):
        raise invalid("param message must be a JSON object", "message_invalid")
    kinds = [key for key in ("text", "attachment", "sticker_id") if message.get(key) is not None]
    if len(kinds) != 1:
        raise invalid(
            "param message must contain exactly one of text, attachment or sticker_id",
            "message_invalid",
        )
    clean = dict(message)
    if "text" in kinds:
        _check_text(message["text"])
    elif "attachment" in kinds:
        clean["attachment"] = _check_attachment(message["attachment"], attachment_known)
    elif not str(message["sticker_id"]).isdigit():
        raise invalid("param message[sticker_id] must be a valid sticker id", "message_invalid")
    if message.get("quick_replies") is not None:
        clean["quick_replies"] = _check_quick_replies(message["quick_replies"])
    metadata = message.get("metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) >= METADATA_LIMIT):
        raise invalid(
            f"param message[metadata] must be a string shorter than {METADATA_LIMIT} characters",
            "metadata_too_long",
        )
    return clean


def _check_text(text: Any) -> None:
    if not isinstance(text, str) or not text.strip():
        raise invalid("param message[text] must be a non-empty UTF-8 string", "message_invalid")
    if len(text) >= TEXT_LIMIT:
        raise invalid(
            f"param message[text] must be shorter than {TEXT_LIMIT} characters", "text_too_long"
        )


def _check_quick_replies(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise invalid(
            "param message[quick_replies] must be a non-empty array", "quick_reply_invalid"
        )
    if len(items) > MAX_QUICK_REPLIES:
        raise invalid(
            f"param message[quick_replies] must have at most {MAX_QUICK_REPLIES} items",
            "too_many_quick_replies",
        )
    return [_check_quick_reply(i, item) for i, item in enumerate(items)]


def _check_quick_reply(index: int, item: Any) -> dict[str, Any]:
    where = f"message[quick_replies][{index}]"
    if not isinstance(item, dict):
        raise invalid(f"param {where} must be a JSON object", "quick_reply_invalid")
    content_type = item.get("content_type", "text")
    if content_type not in QUICK_REPLY_TYPES:
        raise invalid(
            f"param {where}[content_type] must be one of {{{', '.join(QUICK_REPLY_TYPES)}}}",
            "quick_reply_invalid",
        )
    clean = dict(item, content_type=content_type)
    if content_type != "text":
        return clean
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise invalid(
            f"param {where}[title] is required for text quick replies", "quick_reply_invalid"
        )
    _check_payload(item.get("payload"), f"{where}[payload]", "quick_reply_invalid")
    clean["title"] = title[:QUICK_REPLY_TITLE]
    return clean


def _check_payload(payload: Any, where: str, rule: str) -> None:
    if isinstance(payload, bool) or not isinstance(payload, str | int) or str(payload) == "":
        raise invalid(f"param {where} is required", rule)
    if len(str(payload)) > PAYLOAD_LIMIT:
        raise invalid(f"param {where} must be at most {PAYLOAD_LIMIT} characters", rule)


def _check_url(url: Any, where: str, rule: str) -> None:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid(f"param {where} must be a valid http(s) URL", rule)


def _check_attachment(attachment: Any, known: AttachmentLookup) -> dict[str, Any]:
    where = "message[attachment]"
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise invalid(f"param {where} must have a type and a payload object", "attachment_invalid")
    kind = attachment.get("type")
    if kind in MEDIA_TYPES:
        _check_media_source(attachment["payload"], f"{where}[payload]", known)
    elif kind == "template":
        _check_template(attachment["payload"], known)
    else:
        raise invalid(
            f"param {where}[type] must be one of {{image, audio, video, file, template}}",
            "attachment_invalid",
        )
    return attachment


def _check_media_source(payload: dict[str, Any], where: str, known: AttachmentLookup) -> None:
    has_url, has_id = payload.get("url") is not None, payload.get("attachment_id") is not None
    if has_url == has_id:
        raise invalid(
            f"param {where} needs exactly one of url or attachment_id", "attachment_invalid"
        )
    if has_url:
        _check_url(payload["url"], f"{where}[url]", "attachment_invalid")
    elif not known(str(payload["attachment_id"])):
        raise invalid(f"Invalid attachment_id {payload['attachment_id']}", "attachment_invalid")


def _check_template(payload: dict[str, Any], known: AttachmentLookup) -> None:
    template = payload.get("template_type")
    if template == "generic":
        _check_elements(payload.get("elements"))
    elif template == "button":
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > BUTTON_TEXT_LIMIT:
            raise invalid(
                f"param payload[text] is required and at most {BUTTON_TEXT_LIMIT} characters",
                "template_invalid",
            )
        _check_buttons(payload.get("buttons"), "payload[buttons]", required=True)
    elif template == "media":
        _check_media_elements(payload.get("elements"), known)
    else:
        raise invalid(
            "param payload[template_type] must be one of {generic, button, media}",
            "template_invalid",
        )


def _check_elements(elements: Any) -> None:
    if not isinstance(elements, list) or not elements:
        raise invalid("param payload[elements] must be a non-empty array", "template_invalid")
    if len(elements) > MAX_ELEMENTS:
        raise invalid(
            f"param payload[elements] must have at most {MAX_ELEMENTS} elements",
            "too_many_elements",
        )
    for i, element in enumerate(elements):
        where = f"payload[elements][{i}]"
        if not isinstance(element, dict):
            raise invalid(f"param {where} must be a JSON object", "template_invalid")
        title = element.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > ELEMENT_TEXT_LIMIT:
            raise invalid(
                f"param {where}[title] is required and at most {ELEMENT_TEXT_LIMIT} characters",
                "element_invalid",
            )
        subtitle = element.get("subtitle")
        if subtitle is not None and (
            not isinstance(subtitle, str) or len(subtitle) > ELEMENT_TEXT_LIMIT
        ):
            raise invalid(
                f"param {where}[subtitle] must be at most {ELEMENT_TEXT_LIMIT} characters",
                "element_invalid",
            )
        if element.get("image_url") is not None:
            _check_url(element["image_url"], f"{where}[image_url]", "element_invalid")
        if element.get("default_action") is not None:
            _check_default_action(element["default_action"], f"{where}[default_action]")
        _check_buttons(element.get("buttons"), f"{where}[buttons]", required=False)


def _check_default_action(action: Any, where: str) -> None:
    if not isinstance(action, dict) or action.get("type") != "web_url":
        raise invalid(f"param {where}[type] must be web_url", "element_invalid")
    if "title" in action:
        raise invalid(f"param {where} must not have a title", "element_invalid")
    _check_url(action.get("url"), f"{where}[url]", "element_invalid")


def _check_media_elements(elements: Any, known: AttachmentLookup) -> None:
    if not isinstance(elements, list) or len(elements) != 1:
        raise invalid("param payload[elements] must hold exactly one element", "template_invalid")
    element = elements[0]
    if not isinstance(element, dict) or element.get("media_type") not in ("image", "video"):
        raise invalid(
            "param payload[elements][0][media_type] must be one of {image, video}",
            "template_invalid",
        )
    _check_media_source(element, "payload[elements][0]", known)
    _check_buttons(element.get("buttons"), "payload[elements][0][buttons]", required=False)


def _check_buttons(buttons: Any, where: str, *, required: bool) -> None:
    if buttons is None and not required:
        return
    if not isinstance(buttons, list) or (required and not buttons):
        raise invalid(f"param {where} must be a non-empty array", "button_invalid")
    if len(buttons) > MAX_BUTTONS:
        raise invalid(f"param {where} must have at most {MAX_BUTTONS} buttons", "too_many_buttons")
    for i, button in enumerate(buttons):
        _check_button(button, f"{where}[{i}]")


def _check_button(button: Any, where: str) -> None:
    if not isinstance(button, dict):
        raise invalid(f"param {where} must be a JSON object", "button_invalid")
    kind = button.get("type")
    if kind not in ("web_url", "postback", "phone_number"):
        raise invalid(
            f"param {where}[type] must be one of {{web_url, postback, phone_number}}",
            "button_invalid",
        )
    title = button.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > BUTTON_TITLE_LIMIT:
        raise invalid(
            f"param {where}[title] is required and at most {BUTTON_TITLE_LIMIT} characters",
            "button_invalid",
        )
    if kind == "web_url":
        _check_url(button.get("url"), f"{where}[url]", "button_invalid")
    elif kind == "postback":
        _check_payload(button.get("payload"), f"{where}[payload]", "button_invalid")
    else:
        phone = str(button.get("payload") or "")
        if not (phone.startswith("+") and phone[1:].isdigit() and len(phone) > 7):
            raise invalid(
                f"param {where}[payload] must be a phone number like +15105551234",
                "button_invalid",
            )
