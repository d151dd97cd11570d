"""Messenger's content limits, checked before anything is queued (Facebook would refuse it later).

Limits: text under 2000 characters; at most 13 quick replies (titles shown up to 20 characters);
at most 3 buttons; at most 10 generic-template elements with titles and subtitles up to 80;
button-template text up to 640; metadata under 1000.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_TEXT = 2000  # exclusive: Facebook needs fewer than 2000 characters
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ELEMENTS = 10
MAX_TITLE = 80
MAX_BUTTON_TEXT = 640
MAX_PAYLOAD = 1000
BUTTON_TYPES = {"web_url", "postback", "phone_number"}
MEDIA_TYPES = {"image", "audio", "video", "file"}


class ContentError(ValueError):
    """A message Messenger would refuse; `problems` lists every reason, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def validate(message: Mapping[str, Any]) -> None:
    """Raise ContentError listing everything wrong with a Send API `message` object."""
    problems: list[str] = []
    text, attachment = message.get("text"), message.get("attachment")
    if not text and not attachment:
        problems.append("A message needs text or an attachment.")
    if text and attachment:
        problems.append("A message has either text or an attachment, not both.")
    if text is not None:
        _check_text(str(text), problems)
    if isinstance(attachment, Mapping):
        _check_attachment(attachment, problems)
    _check_quick_replies(message.get("quick_replies") or [], problems)
    if problems:
        raise ContentError(problems)


def _check_text(text: str, problems: list[str]) -> None:
    if not text.strip():
        problems.append("The text is empty.")
    if len(text) >= MAX_TEXT:
        problems.append(
            f"The text has {len(text)} characters; Messenger allows up to {MAX_TEXT - 1}."
        )


def _check_quick_replies(replies: list[Mapping[str, Any]], problems: list[str]) -> None:
    if len(replies) > MAX_QUICK_REPLIES:
        problems.append(
            f"{len(replies)} quick replies; Messenger shows at most {MAX_QUICK_REPLIES}."
        )
    for index, reply in enumerate(replies, start=1):
        if reply.get("content_type", "text") != "text":
            continue
        title = str(reply.get("title") or "")
        if not title.strip():
            problems.append(f"Quick reply {index} needs a title.")
        elif len(title) > MAX_QUICK_REPLY_TITLE:
            problems.append(
                f"Quick reply {index} title is over {MAX_QUICK_REPLY_TITLE} characters "
                "(Messenger cuts it off)."
            )
        if len(str(reply.get("payload") or "")) > MAX_PAYLOAD:
            problems.append(f"Quick reply {index} payload is over {MAX_PAYLOAD} characters.")


def _check_attachment(attachment: Mapping[str, Any], problems: list[str]) -> None:
    kind, payload = attachment.get("type"), attachment.get("payload") or {}
    if kind in MEDIA_TYPES:
        if not payload.get("url") and not payload.get("attachment_id"):
            problems.append(f"The {kind} needs a URL or an uploaded file.")
        return
    if kind != "template":
        problems.append(f"Unknown attachment type {kind!r}.")
        return
    template = payload.get("template_type")
    if template == "generic":
        _check_elements(payload.get("elements") or [], problems)
    elif template == "button":
        button_text = str(payload.get("text") or "")
        if not button_text.strip():
            problems.append("A button message needs text.")
        if len(button_text) > MAX_BUTTON_TEXT:
            problems.append(f"A button message's text is over {MAX_BUTTON_TEXT} characters.")
        _check_buttons(payload.get("buttons") or [], "The message", problems, required=True)
    elif template != "media":
        problems.append(f"Unknown template {template!r}.")


def _check_elements(elements: list[Mapping[str, Any]], problems: list[str]) -> None:
    if not elements:
        problems.append("A carousel needs at least one card.")
    if len(elements) > MAX_ELEMENTS:
        problems.append(f"{len(elements)} cards; a carousel holds at most {MAX_ELEMENTS}.")
    for index, element in enumerate(elements, start=1):
        title = str(element.get("title") or "")
        if not title.strip():
            problems.append(f"Card {index} needs a title.")
        if len(title) > MAX_TITLE:
            problems.append(f"Card {index} title is over {MAX_TITLE} characters.")
        if len(str(element.get("subtitle") or "")) > MAX_TITLE:
            problems.append(f"Card {index} subtitle is over {MAX_TITLE} characters.")
        _check_buttons(element.get("buttons") or [], f"Card {index}", problems, required=False)


def _check_buttons(
    buttons: list[Mapping[str, Any]], owner: str, problems: list[str], *, required: bool
) -> None:
    if required and not buttons:
        problems.append(f"{owner} needs at least one button.")
    if len(buttons) > MAX_BUTTONS:
        problems.append(f"{owner} has {len(buttons)} buttons; Messenger allows {MAX_BUTTONS}.")
    for index, button in enumerate(buttons, start=1):
        label = f"{owner}, button {index}"
        kind = button.get("type")
        if kind not in BUTTON_TYPES:
            problems.append(f"{label}: unknown type {kind!r}.")
            continue
        title = str(button.get("title") or "")
        if not title.strip():
            problems.append(f"{label} needs a title.")
        elif len(title) > MAX_BUTTON_TITLE:
            problems.append(f"{label} title is over {MAX_BUTTON_TITLE} characters.")
        needed = {"web_url": "url", "postback": "payload", "phone_number": "payload"}[kind]
        if not button.get(needed):
            problems.append(f"{label} needs a {'URL' if needed == 'url' else 'payload'}.")
