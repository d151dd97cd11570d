"""Segment filters in the API: as a JSON object (saved segments, preview) and as query parameters.

Both only translate into `app.core.subscribers.segments.SegmentFilter`; the filtering itself is
the core's `segments.query`, the same the dashboard uses.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from app.core.api.errors import api_abort
from app.core.api.pagination import Id, ListArgsSchema
from app.core.policy import Window
from app.core.subscribers.models import Source
from app.core.subscribers.segments import FIELD_OPERATORS, SegmentFilter

WINDOWS = [window.value for window in Window]
SOURCES = [source.value for source in Source]
DATE_HELP = "ISO 8601 with an offset, e.g. 2024-05-01T00:00:00+00:00 (encode + as %2B)."


class FieldConditionSchema(ma.Schema):
    """A condition on one custom field."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    operator = ma.fields.String(load_default="equals", validate=ma.validate.OneOf(FIELD_OPERATORS))
    value = ma.fields.String(load_default="", metadata={"description": "Unused by is_(not_)set."})


def _strings(description: str) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(), metadata={"description": description})


class SegmentFilterSchema(ma.Schema):
    """Who is in a segment; every condition is optional and they combine with AND."""

    page_ids = ma.fields.List(Id(), metadata={"description": "Any of these Pages."})
    tags_any = _strings("Has at least one of these tags.")
    tags_all = _strings("Has every one of these tags.")
    tags_none = _strings("Has none of these tags.")
    subscribed = ma.fields.Boolean(allow_none=True)
    reachable = ma.fields.Boolean(allow_none=True)
    window = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(WINDOWS))
    sources = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(SOURCES)))
    refs = _strings("Arrived with one of these refs (growth links).")
    first_seen_from = ma.fields.AwareDateTime(allow_none=True, metadata={"description": DATE_HELP})
    first_seen_to = ma.fields.AwareDateTime(allow_none=True, metadata={"description": DATE_HELP})
    last_active_from = ma.fields.AwareDateTime(allow_none=True)
    last_active_to = ma.fields.AwareDateTime(allow_none=True)
    # "fields" would shadow Schema.fields: declare under another name, keep the JSON name.
    field_conditions = ma.fields.List(
        ma.fields.Nested(FieldConditionSchema), data_key="fields", attribute="fields"
    )
    search = ma.fields.String(allow_none=True, metadata={"description": "Name contains, or PSID."})

    @ma.post_dump
    def _without_empty(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """The `SegmentFilter.to_json` form: empty conditions are left out."""
        return {key: value for key, value in data.items() if value not in (None, [], "")}


def to_filter(data: dict[str, Any], field: str = "filter") -> SegmentFilter:
    """A SegmentFilter from validated JSON-form data; what the core refuses answers 422."""
    try:
        return SegmentFilter.from_json(data)
    except (ValueError, TypeError) as exc:
        api_abort(422, str(exc), {field: [str(exc)]})


class CommaList(ma.fields.List):
    """A repeatable query parameter that also accepts comma-separated values (a=x,y&a=z)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        items = super()._deserialize(value, attr, data, **kwargs)
        return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


class FieldParam(ma.fields.String):
    """`name:operator:value` (value optional for is_set/is_not_set) as a field condition."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        text = super()._deserialize(value, attr, data, **kwargs)
        name, _, rest = text.partition(":")
        operator, _, condition_value = rest.partition(":")
        if not name or operator not in FIELD_OPERATORS:
            raise ma.ValidationError(
                f"Use name:operator:value with an operator among {', '.join(FIELD_OPERATORS)}."
            )
        return {"name": name, "operator": operator, "value": condition_value}


def _comma(description: str, item: ma.fields.Field | None = None) -> CommaList:
    return CommaList(item or ma.fields.String(), metadata={"description": description})


class SubscriberQuerySchema(ListArgsSchema):
    """Query parameters of GET /subscribers: a segment filter, and a page of the result."""

    page_id = ma.fields.List(Id(), metadata={"description": "Repeatable."})
    tags_any = _comma("Has any of these tags (repeat or comma-separate).")
    tags_all = _comma("Has all of these tags (repeat or comma-separate).")
    tags_none = _comma("Has none of these tags (repeat or comma-separate).")
    subscribed = ma.fields.Boolean()
    reachable = ma.fields.Boolean()
    window = ma.fields.String(validate=ma.validate.OneOf(WINDOWS))
    source = _comma("How they arrived.", ma.fields.String(validate=ma.validate.OneOf(SOURCES)))
    ref = _comma("The ref they arrived with (repeat or comma-separate).")
    first_seen_from = ma.fields.AwareDateTime(metadata={"description": DATE_HELP})
    first_seen_to = ma.fields.AwareDateTime(metadata={"description": DATE_HELP})
    last_active_from = ma.fields.AwareDateTime(metadata={"description": DATE_HELP})
    last_active_to = ma.fields.AwareDateTime(metadata={"description": DATE_HELP})
    field = ma.fields.List(
        FieldParam(),
        metadata={
            "description": "Repeatable name:operator:value, operator one of "
            + ", ".join(FIELD_OPERATORS)
            + " (e.g. city:equals:Lisbon, city:is_set)."
        },
    )
    search = ma.fields.String(metadata={"description": "Name contains this, or PSID equals it."})
    segment_id = Id(
        metadata={"description": "A saved segment; the other filters narrow it further (AND)."}
    )


# Query parameter -> SegmentFilter attribute, where the names differ.
_QUERY_TO_FILTER = {"page_id": "page_ids", "source": "sources", "ref": "refs", "field": "fields"}
_NOT_FILTERS = {"limit", "cursor", "segment_id"}


def filter_from_query(args: dict[str, Any]) -> SegmentFilter:
    """The SegmentFilter the query parameters describe."""
    data = {
        _QUERY_TO_FILTER.get(name, name): value
        for name, value in args.items()
        if name not in _NOT_FILTERS and value is not None
    }
    return to_filter(data, field="query")
