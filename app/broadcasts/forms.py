"""The composer form: posted fields <-> a `Draft` and the delivery choice, both ways.

Repeated rows (buttons, quick replies, cards and their buttons) are numbered fields such as
`button-0-title` or `card-2-button-1-url`; gaps left by removed rows do not matter. CSRF is checked
by Flask-WTF's CSRFProtect on every POST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from app.broadcasts.models import Broadcast, Intent
from app.broadcasts.services import Draft
from app.core.db import parse_id
from app.core.subscribers.edits import EditError, clean_field_name, clean_tag
from app.core.subscribers.models import Source
from app.core.subscribers.segments import FIELD_OPERATORS

_BUTTON = re.compile(r"^button-(\d{1,2})-(type|title|url|payload)$")
_REPLY = re.compile(r"^qr-(\d{1,2})-(title|payload)$")
_CARD = re.compile(r"^card-(\d{1,2})-(title|subtitle|image_url|url)$")
_CARD_BUTTON = re.compile(r"^card-(\d{1,2})-button-(\d{1,2})-(type|title|url|payload)$")
WINDOWS = {
    "open": "24-hour window open",
    "human_agent": "Wrote 1 to 7 days ago",
    "closed": "Wrote over 7 days ago (or never)",
}


def _rows(form: MultiDict[str, str], pattern: re.Pattern[str]) -> list[dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for key in form:
        match = pattern.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = form.get(key, "")
    return [found[index] for index in sorted(found)]


def _cards(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    cards: dict[int, dict[str, Any]] = {}
    for key in form:
        if match := _CARD.match(key):
            cards.setdefault(int(match.group(1)), {"buttons": {}})[match.group(2)] = form[key]
        elif match := _CARD_BUTTON.match(key):
            card = cards.setdefault(int(match.group(1)), {"buttons": {}})
            card["buttons"].setdefault(int(match.group(2)), {})[match.group(3)] = form[key]
    return [
        {**card, "buttons": [card["buttons"][j] for j in sorted(card["buttons"])]}
        for _index, card in sorted(cards.items())
    ]


def content_from(form: MultiDict[str, str]) -> dict[str, Any]:
    """The composed content as posted (not yet normalized)."""
    media_file = form.get("media_file_id", "")
    uploading = form.get("media_source") == "upload"
    return {
        "kind": form.get("kind", "text"),
        "text": form.get("text", ""),
        "buttons": _rows(form, _BUTTON),
        "media": {
            "type": form.get("media_type", "image"),
            "url": "" if uploading else form.get("media_url", ""),
            "file_id": media_file if uploading and parse_id(media_file) else None,
        },
        "cards": _cards(form),
        "quick_replies": _rows(form, _REPLY),
    }


@dataclass
class AudienceInput:
    """The audience part of the form, as typed (shown again when it needs fixing)."""

    mode: str = "all"  # all | segment | filter
    segment_id: str = ""
    tags_any: str = ""
    tags_none: str = ""
    window: str = ""
    sources: list[str] = field(default_factory=list)
    active_days: str = ""
    field_name: str = ""
    field_op: str = "equals"
    field_value: str = ""
    errors: list[str] = field(default_factory=list)

    def audience(self) -> dict[str, Any]:
        """The audience as services take it."""
        if self.mode == "segment":
            days = self.active_days.strip() or None
            return {"segment_id": self.segment_id.strip() or "", "active_within_days": days}
        if self.mode != "filter":
            return {}
        segment: dict[str, Any] = {}
        for key in ("tags_any", "tags_none"):
            tags = [self._tag(tag) for tag in getattr(self, key).split(",") if tag.strip()]
            if any(tags):
                segment[key] = [tag for tag in tags if tag]
        if self.window in WINDOWS:
            segment["window"] = self.window
        if self.sources:
            segment["sources"] = self.sources
        if self.field_name.strip():
            segment["fields"] = [self._field()]
        result: dict[str, Any] = {"filter": segment}
        if self.active_days.strip():
            result["active_within_days"] = self.active_days.strip()
        return result

    def _tag(self, raw: str) -> str | None:
        try:
            return clean_tag(raw)
        except EditError as exc:
            self.errors.append(str(exc))
            return None

    def _field(self) -> dict[str, str]:
        try:
            name = clean_field_name(self.field_name)
        except EditError as exc:
            self.errors.append(str(exc))
            name = "invalid"
        operator = self.field_op if self.field_op in FIELD_OPERATORS else "equals"
        value = "" if operator in ("is_set", "is_not_set") else self.field_value.strip()
        return {"name": name, "operator": operator, "value": value}


def audience_from(form: MultiDict[str, str]) -> AudienceInput:
    """The audience fields as posted."""
    sources = [s for s in form.getlist("sources") if s in {item.value for item in Source}]
    return AudienceInput(
        mode=form.get("audience_mode", "all"),
        segment_id=form.get("segment_id", ""),
        tags_any=form.get("tags_any", ""),
        tags_none=form.get("tags_none", ""),
        window=form.get("window", ""),
        sources=sources,
        active_days=form.get("active_days", ""),
        field_name=form.get("field_name", ""),
        field_op=form.get("field_op", "equals"),
        field_value=form.get("field_value", ""),
    )


def audience_input(broadcast: Broadcast) -> AudienceInput:
    """The form's audience fields for a stored broadcast."""
    stored = broadcast.audience or {}
    days = str(stored.get("active_within_days") or "")
    if stored.get("segment_id") is not None:
        return AudienceInput(mode="segment", segment_id=str(stored["segment_id"]), active_days=days)
    segment = stored.get("filter") or {}
    if not segment and not days:
        return AudienceInput()
    condition = (segment.get("fields") or [{}])[0]
    return AudienceInput(
        mode="filter",
        tags_any=", ".join(segment.get("tags_any") or []),
        tags_none=", ".join(segment.get("tags_none") or []),
        window=segment.get("window") or "",
        sources=list(segment.get("sources") or []),
        active_days=days,
        field_name=condition.get("name", ""),
        field_op=condition.get("operator", "equals"),
        field_value=condition.get("value", ""),
    )


def draft_from(form: MultiDict[str, str], audience: AudienceInput) -> Draft:
    """The whole draft as posted."""
    page_id = form.get("page_id", "")
    intent = form.get("intent", Intent.PROMOTIONAL.value)
    return Draft(
        page_id=parse_id(page_id),
        name=form.get("name", ""),
        content=content_from(form),
        audience=audience.audience(),
        intent=intent,
        tag=form.get("tag") or None if intent == Intent.UPDATE.value else None,
    )
