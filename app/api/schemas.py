"""Request and response schemas of the REST API (they are also its OpenAPI document).

Responses list their fields explicitly: nothing reaches a client that is not declared here, so a
Page's access token or a user's Facebook token can never leak through a new column.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from app.api.filters import SegmentFilterSchema
from app.core.api.pagination import list_schema
from app.core.models import PageStatus
from app.core.policy import Window, window_state
from app.core.subscribers.models import Source


class Row:
    """An ORM object plus values computed beside it (counts, window), dumped as one object."""

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


class PageSchema(ma.Schema):
    """A connected Facebook Page."""

    id = ma.fields.Integer(required=True)
    facebook_page_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    username = ma.fields.String(allow_none=True)
    category = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(PageStatus, by_value=True, required=True)
    status_reason = ma.fields.String(allow_none=True)
    missing_permissions = ma.fields.List(ma.fields.String(), required=True)
    subscribed_fields = ma.fields.List(ma.fields.String(), required=True)
    m_me_link = ma.fields.String(required=True, metadata={"description": "The Messenger link."})
    subscriber_count = ma.fields.Integer(required=True)
    connected_at = ma.fields.DateTime(allow_none=True)


class ProfileSchema(ma.Schema):
    """What Facebook tells about the person (empty until fetched, or when not allowed)."""

    name = ma.fields.String(allow_none=True)
    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    profile_pic = ma.fields.String(allow_none=True)
    locale = ma.fields.String(allow_none=True)


class WindowSchema(ma.Schema):
    """Messenger's window: open (24 h), human_agent (to 7 days) or closed; when it moves on."""

    state = ma.fields.Enum(Window, by_value=True, attribute="window", required=True)
    changes_at = ma.fields.DateTime(allow_none=True)


class SubscriberSchema(ma.Schema):
    """A person who messaged one of the workspace's Pages."""

    id = ma.fields.Integer(required=True)
    page_id = ma.fields.Integer(required=True)
    psid = ma.fields.String(required=True, metadata={"description": "Page-scoped id."})
    profile = ma.fields.Nested(ProfileSchema, required=True)
    source = ma.fields.Enum(Source, by_value=True, required=True)
    ref = ma.fields.String(allow_none=True)
    first_seen_at = ma.fields.DateTime(required=True)
    last_inbound_at = ma.fields.DateTime(allow_none=True)
    last_outbound_at = ma.fields.DateTime(allow_none=True)
    window = ma.fields.Nested(WindowSchema, required=True)
    subscribed = ma.fields.Boolean(required=True)
    unreachable = ma.fields.Boolean(required=True)
    unreachable_reason = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String(), attribute="tag_names", required=True)
    custom_fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        attribute="field_values",
        data_key="fields",
        required=True,
    )

    @ma.pre_dump
    def _with_computed(self, subscriber: Any, **_kwargs: Any) -> Row:
        return Row(subscriber, profile=subscriber, window=window_state(subscriber))


class SubscriberUpdateSchema(ma.Schema):
    """Tags to add and remove, custom fields to set (null or "" removes one)."""

    tags_add = ma.fields.List(ma.fields.String(), load_default=list)
    tags_remove = ma.fields.List(ma.fields.String(), load_default=list)
    field_values = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(allow_none=True),
        data_key="fields",
        load_default=dict,
        metadata={"example": {"city": "Lisbon", "old_field": None}},
    )


class SegmentSchema(ma.Schema):
    """A saved segment."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    filter = ma.fields.Nested(SegmentFilterSchema, required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


class SegmentCreateSchema(ma.Schema):
    """A new saved segment."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    filter = ma.fields.Nested(SegmentFilterSchema, required=True)


class SegmentUpdateSchema(ma.Schema):
    """Changes to a saved segment; what is left out stays as it is."""

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    filter = ma.fields.Nested(SegmentFilterSchema)


class PreviewRequestSchema(ma.Schema):
    """A filter to try before saving it."""

    filter = ma.fields.Nested(SegmentFilterSchema, required=True)


class PreviewSchema(ma.Schema):
    """How many subscribers a filter selects, and the 20 most recently active of them."""

    count = ma.fields.Integer(required=True)
    preview = ma.fields.List(ma.fields.Nested(SubscriberSchema), required=True)


class GrowthLinkSchema(ma.Schema):
    """An m.me link with a ref, and how many subscribers it brought."""

    id = ma.fields.Integer(required=True)
    page_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    ref = ma.fields.String(required=True)
    url = ma.fields.String(required=True)
    subscribers = ma.fields.Integer(required=True)


class GrowthLinkCreateSchema(ma.Schema):
    """A new growth link; the ref defaults to the name's slug."""

    page_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    ref = ma.fields.String(load_default=None, allow_none=True)


PageListSchema = list_schema(PageSchema, "PageListSchema")
SubscriberListSchema = list_schema(SubscriberSchema, "SubscriberListSchema")
SegmentListSchema = list_schema(SegmentSchema, "SegmentListSchema")
GrowthLinkListSchema = list_schema(GrowthLinkSchema, "GrowthLinkListSchema")
SegmentMembersSchema = list_schema(
    SubscriberSchema,
    "SegmentMembersSchema",
    count=ma.fields.Integer(required=True, metadata={"description": "Members in all."}),
)
