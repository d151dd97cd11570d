"""The subscriber filter form: query-string values <-> `SegmentFilter`, both ways.

The list, the CSV export, bulk actions and saved segments all read the same arguments, so a
filtered view can be linked, exported, acted on and saved exactly as the marketer sees it. Dates
are whole days in the workspace's time zone; a "to" date includes that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from app.core.db import parse_id
from app.core.policy import Window
from app.core.subscribers.edits import EditError, clean_field_name, clean_tag
from app.core.subscribers.models import SOURCE_LABELS
from app.core.subscribers.segments import FIELD_OPERATORS, FieldCondition, SegmentFilter

# Marks a submitted filter form: without it, `segment=<id>` alone means "the saved filter".
SUBMITTED = "f"
TAG_MODES = ("tags_any", "tags_all", "tags_none")
DATE_KEYS = ("first_seen_from", "first_seen_to", "last_active_from", "last_active_to")
YES_NO = {"yes": True, "no": False}
WINDOW_LABELS = {
    Window.OPEN.value: "24-hour window open",
    Window.HUMAN_AGENT.value: "Human-agent window (1 to 7 days)",
    Window.CLOSED.value: "Closed (over 7 days)",
}
OPERATOR_LABELS = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "is_set": "is set",
    "is_not_set": "is not set",
}


@dataclass
class FilterInput:
    """What the filter form shows: the raw values people typed, and what was wrong with them."""

    page_ids: list[int] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)
    tags_none: list[str] = field(default_factory=list)
    subscribed: str = ""
    reachable: str = ""
    window: str = ""
    sources: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    first_seen_from: str = ""
    first_seen_to: str = ""
    last_active_from: str = ""
    last_active_to: str = ""
    fields: list[FieldCondition] = field(default_factory=list)
    search: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def advanced(self) -> bool:
        """Whether a condition hidden under "More filters" is in use (the panel opens then)."""
        tags = self.tags_any or self.tags_all or self.tags_none
        dates = any(getattr(self, key) for key in DATE_KEYS)
        return bool(tags or self.sources or self.refs or dates or self.fields)

    @property
    def active(self) -> bool:
        """Whether any condition is set."""
        simple = self.page_ids or self.subscribed or self.reachable or self.window or self.search
        return bool(simple) or self.advanced

    def args(self) -> list[tuple[str, str]]:
        """The query-string pairs that reproduce this filter (with the submitted marker)."""
        pairs: list[tuple[str, str]] = [(SUBMITTED, "1")]
        pairs += [("page_id", str(page_id)) for page_id in self.page_ids]
        for mode in TAG_MODES:
            pairs += [(mode, tag) for tag in getattr(self, mode)]
        for key in ("subscribed", "reachable", "window"):
            if getattr(self, key):
                pairs.append((key, getattr(self, key)))
        pairs += [("source", source) for source in self.sources]
        if self.refs:
            pairs.append(("ref", ", ".join(self.refs)))
        pairs += [(key, getattr(self, key)) for key in DATE_KEYS if getattr(self, key)]
        for condition in self.fields:
            pairs += [
                ("field_name", condition.name),
                ("field_op", condition.operator),
                ("field_value", condition.value),
            ]
        if self.search:
            pairs.append(("q", self.search))
        return pairs

    def query_string(self) -> str:
        """`args()` encoded for a URL."""
        return urlencode(self.args())


def _split(values: list[str]) -> list[str]:
    """Values from repeated keys and/or comma-separated text, trimmed, in order, once each."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


def _day_start(value: str, zone: tzinfo, label: str, errors: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label}: “{value}” is not a date (YYYY-MM-DD).")
        return None
    return datetime.combine(day, time(), tzinfo=zone)


def _tags(values: list[str], errors: list[str]) -> list[str]:
    tags: list[str] = []
    for value in _split(values):
        try:
            tag = clean_tag(value)
        except EditError as exc:
            errors.append(str(exc))
            continue
        if tag not in tags:
            tags.append(tag)
    return tags


def _fields(args: MultiDict[str, str], errors: list[str]) -> list[FieldCondition]:
    names, ops = args.getlist("field_name"), args.getlist("field_op")
    values = args.getlist("field_value")
    conditions = []
    for index, raw_name in enumerate(names):
        if not raw_name.strip():
            continue  # the form's blank "add a condition" row
        operator = ops[index] if index < len(ops) else "equals"
        value = values[index].strip() if index < len(values) else ""
        try:
            name = clean_field_name(raw_name)
        except EditError as exc:
            errors.append(str(exc))
            continue
        if operator not in FIELD_OPERATORS:
            errors.append(f"“{operator}” is not a way to compare a field.")
            continue
        if operator in ("is_set", "is_not_set"):
            value = ""
        conditions.append(FieldCondition(name, operator, value))
    return conditions


def _choice(value: str | None, allowed: object) -> str:
    return value if value and value in allowed else ""  # type: ignore[operator]


def parse(args: MultiDict[str, str], zone: tzinfo) -> tuple[SegmentFilter, FilterInput]:
    """Read the filter form's arguments; bad values are reported in `errors` and left out."""
    errors: list[str] = []
    form = FilterInput(
        page_ids=[n for n in map(parse_id, _split(args.getlist("page_id"))) if n is not None],
        tags_any=_tags(args.getlist("tags_any"), errors),
        tags_all=_tags(args.getlist("tags_all"), errors),
        tags_none=_tags(args.getlist("tags_none"), errors),
        subscribed=_choice(args.get("subscribed"), YES_NO),
        reachable=_choice(args.get("reachable"), YES_NO),
        window=_choice(args.get("window"), WINDOW_LABELS),
        sources=[v for v in _split(args.getlist("source")) if v in SOURCE_LABELS],
        refs=_split(args.getlist("ref")),
        fields=_fields(args, errors),
        search=(args.get("q") or "").strip()[:200],
        errors=errors,
    )
    bounds: dict[str, datetime | None] = {}
    labels = ("First seen from", "First seen to", "Last active from", "Last active to")
    for key, label in zip(DATE_KEYS, labels, strict=True):
        raw = (args.get(key) or "").strip()
        start = _day_start(raw, zone, label, errors)
        if start is not None:
            setattr(form, key, raw)
            # A "to" day is included: the range ends at the next local midnight.
            bounds[key] = start + timedelta(days=1) if key.endswith("_to") else start
    segment_filter = SegmentFilter(
        page_ids=tuple(form.page_ids),
        tags_any=tuple(form.tags_any),
        tags_all=tuple(form.tags_all),
        tags_none=tuple(form.tags_none),
        subscribed=YES_NO.get(form.subscribed),
        reachable=YES_NO.get(form.reachable),
        window=form.window or None,
        sources=tuple(form.sources),
        refs=tuple(form.refs),
        first_seen_from=bounds.get("first_seen_from"),
        first_seen_to=bounds.get("first_seen_to"),
        last_active_from=bounds.get("last_active_from"),
        last_active_to=bounds.get("last_active_to"),
        fields=tuple(form.fields),
        search=form.search or None,
    )
    return segment_filter, form


def _day(value: datetime | None, zone: tzinfo, *, end: bool) -> str:
    if value is None:
        return ""
    local = value.astimezone(zone)
    # An exclusive end at midnight shows as the day before (the last day included).
    return (local - timedelta(microseconds=1) if end else local).date().isoformat()


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def form_for(segment_filter: SegmentFilter, zone: tzinfo) -> FilterInput:
    """The form values showing a saved filter."""
    return FilterInput(
        page_ids=list(segment_filter.page_ids),
        tags_any=list(segment_filter.tags_any),
        tags_all=list(segment_filter.tags_all),
        tags_none=list(segment_filter.tags_none),
        subscribed=_yes_no(segment_filter.subscribed),
        reachable=_yes_no(segment_filter.reachable),
        window=segment_filter.window or "",
        sources=list(segment_filter.sources),
        refs=list(segment_filter.refs),
        first_seen_from=_day(segment_filter.first_seen_from, zone, end=False),
        first_seen_to=_day(segment_filter.first_seen_to, zone, end=True),
        last_active_from=_day(segment_filter.last_active_from, zone, end=False),
        last_active_to=_day(segment_filter.last_active_to, zone, end=True),
        fields=list(segment_filter.fields),
        search=segment_filter.search or "",
    )


def describe(form: FilterInput, page_names: dict[int, str]) -> list[str]:
    """The filter's conditions in words, one short phrase each (for chips and segment lists)."""
    phrases: list[str] = []
    if form.page_ids:
        names = [page_names.get(page_id, f"Page #{page_id}") for page_id in form.page_ids]
        phrases.append("Page: " + ", ".join(names))
    for mode, label in zip(TAG_MODES, ("Any tag", "All tags", "Not tagged"), strict=True):
        if getattr(form, mode):
            phrases.append(f"{label}: " + ", ".join(getattr(form, mode)))
    if form.subscribed:
        phrases.append("Subscribed" if form.subscribed == "yes" else "Unsubscribed")
    if form.reachable:
        phrases.append("Reachable" if form.reachable == "yes" else "Unreachable")
    if form.window:
        phrases.append(WINDOW_LABELS[form.window])
    if form.sources:
        phrases.append("Source: " + ", ".join(SOURCE_LABELS[s] for s in form.sources))
    if form.refs:
        phrases.append("Ref: " + ", ".join(form.refs))
    for label, start, end in (
        ("First seen", form.first_seen_from, form.first_seen_to),
        ("Last active", form.last_active_from, form.last_active_to),
    ):
        if start and end:
            phrases.append(f"{label} {start} → {end}")
        elif start or end:
            phrases.append(f"{label} {'from ' + start if start else 'until ' + end}")
    for condition in form.fields:
        value = (
            f" “{condition.value}”" if condition.operator not in ("is_set", "is_not_set") else ""
        )
        phrases.append(f"{condition.name} {OPERATOR_LABELS[condition.operator]}{value}")
    if form.search:
        phrases.append(f"Search: “{form.search}”")
    return phrases
