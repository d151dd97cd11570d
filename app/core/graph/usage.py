"""Rate-limit usage reported by Graph in response headers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

APP_USAGE_HEADER = "x-app-usage"
PAGE_USAGE_HEADER = "x-page-usage"
BUSINESS_USAGE_HEADER = "x-business-use-case-usage"

_PERCENT_KEYS = ("call_count", "total_time", "total_cputime")


@dataclass(frozen=True)
class Usage:
    """Parsed usage headers of one response.

    `app` and `page` hold the parsed X-App-Usage / X-Page-Usage objects; `business` maps each
    page or business id to its list of BUC entries. Each is empty when the header was missing
    or malformed. All percentages are of the applicable limit.
    """

    app: dict[str, Any] = field(default_factory=dict)
    page: dict[str, Any] = field(default_factory=dict)
    business: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def max_percent(self) -> float:
        """The highest call_count / total_time / total_cputime across every header (0 if none)."""
        return max((_percent_values(self._usage_objects())), default=0.0)

    def max_percent_excluding(self, buc_type: str) -> float:
        """`max_percent`, leaving out business use case entries of `buc_type` (e.g. "messenger",
        whose per-second figure is a pace rather than a limit running out)."""
        objects = (obj for obj in self._usage_objects() if obj.get("type") != buc_type)
        return max(_percent_values(objects), default=0.0)

    @property
    def regain_seconds(self) -> float:
        """The longest BUC `estimated_time_to_regain_access`, converted from minutes to seconds."""
        minutes = (
            _number(entry.get("estimated_time_to_regain_access"))
            for entries in self.business.values()
            for entry in entries
        )
        return max((value * 60.0 for value in minutes if value is not None), default=0.0)

    def _usage_objects(self) -> Iterator[dict[str, Any]]:
        yield self.app
        yield self.page
        for entries in self.business.values():
            yield from entries


EMPTY_USAGE = Usage()


def parse_usage(headers: Mapping[str, str]) -> Usage:
    """Parse the usage headers out of `headers` (names compared case-insensitively).

    A missing header or one that is not the expected JSON shape is ignored rather than
    raised: usage is advisory and must never turn a good response into a failure.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    return Usage(
        app=_json_object(lowered.get(APP_USAGE_HEADER)),
        page=_json_object(lowered.get(PAGE_USAGE_HEADER)),
        business=_business_usage(lowered.get(BUSINESS_USAGE_HEADER)),
    )


def _json_object(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _business_usage(raw: str | None) -> dict[str, list[dict[str, Any]]]:
    parsed = _json_object(raw)
    return {
        str(owner_id): [entry for entry in entries if isinstance(entry, dict)]
        for owner_id, entries in parsed.items()
        if isinstance(entries, list)
    }


def _percent_values(objects: Iterator[dict[str, Any]]) -> Iterator[float]:
    for usage_object in objects:
        for key in _PERCENT_KEYS:
            value = _number(usage_object.get(key))
            if value is not None:
                yield value


def _number(value: Any) -> float | None:
    # bool is an int subclass; a stray true/false is not a percentage.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
