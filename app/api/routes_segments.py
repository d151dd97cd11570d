"""/api/v1/segments: saved segments (a name and a filter), their members, and previews."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api import services
from app.api.filters import to_filter
from app.api.schemas import (
    PreviewRequestSchema,
    PreviewSchema,
    SegmentCreateSchema,
    SegmentListSchema,
    SegmentMembersSchema,
    SegmentSchema,
    SegmentUpdateSchema,
)
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.api.pagination import ListArgsSchema
from app.core.subscribers import saved
from app.core.subscribers.saved import SegmentError
from app.core.subscribers.segments import Segment, SegmentFilter

blp = ApiBlueprint(
    "api_segments",
    __name__,
    url_prefix="/api/v1/segments",
    tag="Segments",
    description="Saved filters over subscribers.",
)


def _segment_or_404(segment_id: int) -> Segment:
    segment = services.get_segment(workspace_id(), segment_id)
    if segment is None:
        api_abort(404, "No saved segment with this id.")
    return segment


def _save(name: str, segment_filter: SegmentFilter, segment: Segment | None = None) -> Segment:
    try:
        return saved.save(workspace_id(), name, segment_filter, segment)
    except (SegmentError, ValueError) as exc:
        api_abort(422, str(exc))


@blp.route("")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, SegmentListSchema)
def list_segments(args: dict[str, Any]) -> dict[str, Any]:
    """List saved segments

    In id order.
    """
    return services.list_segments(workspace_id(), args)


@blp.route("", methods=["POST"])
@blp.arguments(SegmentCreateSchema)
@blp.response(201, SegmentSchema)
def create_segment(data: dict[str, Any]) -> Segment:
    """Save a segment"""
    return _save(data["name"], to_filter(data["filter"]))


@blp.route("/preview", methods=["POST"])
@blp.arguments(PreviewRequestSchema)
@blp.response(200, PreviewSchema)
def preview_segment(data: dict[str, Any]) -> dict[str, Any]:
    """Preview a filter

    How many subscribers the filter selects, and the 20 most recently active of them.
    """
    return services.preview(workspace_id(), to_filter(data["filter"]))


@blp.route("/<int:segment_id>")
@blp.response(200, SegmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_segment(segment_id: int) -> Segment:
    """Get a saved segment"""
    return _segment_or_404(segment_id)


@blp.route("/<int:segment_id>", methods=["PATCH"])
@blp.arguments(SegmentUpdateSchema)
@blp.response(200, SegmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_segment(data: dict[str, Any], segment_id: int) -> Segment:
    """Rename a saved segment or change its filter

    The filter, when given, replaces the saved one as a whole.
    """
    segment = _segment_or_404(segment_id)
    segment_filter = to_filter(data["filter"]) if "filter" in data else segment.filter
    return _save(data.get("name", segment.name), segment_filter, segment)


@blp.route("/<int:segment_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_segment(segment_id: int) -> Response:
    """Delete a saved segment"""
    saved.remove(_segment_or_404(segment_id))
    return Response(status=204)


@blp.route("/<int:segment_id>/subscribers")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, SegmentMembersSchema)
@blp.alt_response(404, response="NOT_FOUND")
def segment_subscribers(args: dict[str, Any], segment_id: int) -> dict[str, Any]:
    """List a saved segment's subscribers

    A page of its members in id order, and `count`, how many there are in all.
    """
    return services.segment_members(workspace_id(), _segment_or_404(segment_id), args)
