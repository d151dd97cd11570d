"""/api/v1/subscribers: find subscribers with any segment filter, read one, tag it, set fields."""

from __future__ import annotations

from typing import Any

from app.api import services
from app.api.filters import SubscriberQuerySchema, filter_from_query
from app.api.schemas import SubscriberListSchema, SubscriberSchema, SubscriberUpdateSchema
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.subscribers.edits import EditError
from app.core.subscribers.models import Subscriber

blp = ApiBlueprint(
    "api_subscribers",
    __name__,
    url_prefix="/api/v1/subscribers",
    tag="Subscribers",
    description="People who messaged the workspace's Pages.",
)


def _subscriber_or_404(subscriber_id: int) -> Subscriber:
    subscriber = services.get_subscriber(workspace_id(), subscriber_id)
    if subscriber is None:
        api_abort(404, "No subscriber with this id.")
    return subscriber


@blp.route("")
@blp.arguments(SubscriberQuerySchema, location="query", unknown="raise")
@blp.response(200, SubscriberListSchema)
@blp.alt_response(404, response="NOT_FOUND", description="segment_id names no saved segment.")
def list_subscribers(args: dict[str, Any]) -> dict[str, Any]:
    """List subscribers

    Subscribers of the workspace's connected Pages, in id order, filtered by every condition
    given (AND). With `segment_id`, the saved segment's filter applies and the other
    parameters narrow it further.
    """
    segment = None
    if args.get("segment_id") is not None:
        segment = services.get_segment(workspace_id(), args["segment_id"])
        if segment is None:
            api_abort(404, "No saved segment with this id.")
    segment_filter = filter_from_query(args)
    return services.list_subscribers(workspace_id(), segment_filter, args, segment)


@blp.route("/<int:subscriber_id>")
@blp.response(200, SubscriberSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_subscriber(subscriber_id: int) -> Subscriber:
    """Get a subscriber"""
    return _subscriber_or_404(subscriber_id)


@blp.route("/<int:subscriber_id>", methods=["PATCH"])
@blp.arguments(SubscriberUpdateSchema)
@blp.response(200, SubscriberSchema)
@blp.alt_response(404, response="NOT_FOUND")
def update_subscriber(data: dict[str, Any], subscriber_id: int) -> Subscriber:
    """Tag a subscriber, set custom fields

    Adds and removes tags and sets fields (a null or empty value removes the field), all or
    nothing: an invalid tag or field answers 422 and changes nothing.
    """
    subscriber = _subscriber_or_404(subscriber_id)
    try:
        services.update_subscriber(
            subscriber, data["tags_add"], data["tags_remove"], data["field_values"]
        )
    except EditError as exc:
        api_abort(422, str(exc))
    return _subscriber_or_404(subscriber_id)
