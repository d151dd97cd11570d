"""Personalisation: `{{first_name}}`, `{{field.city}}`, with a fallback: `{{first_name|there}}`.

A small, fixed syntax over a fixed set of fields, replaced by plain string substitution. Marketers'
text is never evaluated as a template: nothing in it can run code or reach other data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.subscribers.models import Subscriber

# {{ name }} or {{ name | fallback }}: a profile field or field.<custom field name>.
PLACEHOLDER = re.compile(
    r"\{\{\s*(first_name|last_name|name|field\.[a-z][a-z0-9_]{0,63})\s*(?:\|([^{}|]{0,100}))?\}\}"
)
ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Values:
    """What one recipient's placeholders are replaced with (None: unknown, use the fallback)."""

    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """The value of `first_name`, `last_name`, `name` or `field.<name>`."""
        if key.startswith("field."):
            return self.fields.get(key.removeprefix("field."))
        return getattr(self, key)


def values_for(subscriber: Subscriber, fields: Mapping[str, str] | None = None) -> Values:
    """A subscriber's values; `name` is preferred when Facebook gave only that (it often does)."""
    name = subscriber.name or " ".join(
        part for part in (subscriber.first_name, subscriber.last_name) if part
    )
    first = subscriber.first_name or (name.split()[0] if name else None)
    return Values(
        first_name=first or None,
        last_name=subscriber.last_name or None,
        name=name or None,
        fields=dict(fields or {}),
    )


def render(template: str, values: Values) -> str:
    """The template with every placeholder replaced (by the value, else the fallback, else "")."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is not None and value.strip():
            return value.strip()
        return (match.group(2) or "").strip()

    return PLACEHOLDER.sub(replace, template)


def custom_fields_used(*templates: str) -> set[str]:
    """The custom field names the templates refer to (so only those are loaded)."""
    return {
        match.group(1).removeprefix("field.")
        for template in templates
        for match in PLACEHOLDER.finditer(template or "")
        if match.group(1).startswith("field.")
    }


def problems(template: str, where: str) -> list[str]:
    """Placeholders that are not understood, in words for the marketer."""
    found: list[str] = []
    for match in ANY_BRACES.finditer(template or ""):
        if not PLACEHOLDER.fullmatch(match.group(0)):
            found.append(
                f"{where}: “{match.group(0)}” is not a placeholder Herald knows. Use "
                "{{first_name}}, {{last_name}}, {{name}} or {{field.<name>}}, optionally with a "
                "fallback: {{first_name|there}}."
            )
    leftover = ANY_BRACES.sub("", template or "")
    if "{{" in leftover:
        found.append(f"{where}: a placeholder is opened with {{{{ but never closed with }}}}.")
    return found


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters (with an ellipsis when it had to be cut)."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS
