"""/api/v1/broadcasts: create, schedule, follow and control broadcasts (same services as the
dashboard, same checks of Messenger's limits and Meta's rules)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import select

from app.broadcasts import display, services, stats
from app.broadcasts.audience import AudienceCounts
from app.broadcasts.models import Broadcast, BroadcastStatus, Intent
from app.broadcasts.services import BroadcastError, Draft
from app.core import policy
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.api.pagination import Id, ListArgsSchema, list_schema, paginate
from app.core.db import utcnow

PAST_GRACE = timedelta(minutes=1)  # a "now" computed by a client a moment ago still counts

blp = ApiBlueprint(
    "api_broadcasts",
    __name__,
    url_prefix="/api/v1/broadcasts",
    tag="Broadcasts",
    description="One Messenger message to a segment of a Page's subscribers, now or later, "
    "under Meta's rules for each recipient; with its progress and results.",
)


class ResultsSchema(ma.Schema):
    """What happened so far, by recipient."""

    total = ma.fields.Integer(metadata={"description": "Recipients created when sending started."})
    pending = ma.fields.Integer()
    held = ma.fields.Integer(metadata={"description": "Waiting for an operator's chat to end."})
    sending = ma.fields.Integer()
    sent = ma.fields.Integer()
    failed = ma.fields.Integer()
    skipped = ma.fields.Integer(metadata={"description": "Refused by the messaging policy."})
    uncertain = ma.fields.Integer(metadata={"description": "No answer came back; never re-sent."})
    delivered = ma.fields.Integer()
    read = ma.fields.Integer()
    clicked = ma.fields.Integer()
    unsubscribed_after = ma.fields.Integer()
    skipped_by_reason = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    failed_by_reason = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    progress = ma.fields.Integer(metadata={"description": "Percent of recipients done."})


class BroadcastSchema(ma.Schema):
    """A broadcast with its results."""

    id = ma.fields.Integer(required=True)
    page_id = Id(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.Function(
        lambda b: b.status.value, metadata={"enum": [s.value for s in BroadcastStatus]}
    )
    intent = ma.fields.Function(
        lambda b: b.intent.value, metadata={"enum": [i.value for i in Intent]}
    )
    tag = ma.fields.String(allow_none=True)
    message = ma.fields.Dict(metadata={"description": "The composed content (see POST)."})
    audience = ma.fields.Dict()
    pause_reason = ma.fields.String(allow_none=True)
    scheduled_at = ma.fields.AwareDateTime(allow_none=True)
    timezone = ma.fields.String()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    results = ma.fields.Function(
        lambda b: ResultsSchema().dump(stats.results(b).as_dict()),
        metadata={"description": "Counts of recipients by outcome (see ResultsSchema)."},
    )


class BroadcastArgs(ListArgsSchema):
    """Filters of the broadcast list."""

    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in BroadcastStatus]))
    page_id = Id()


class CreateSchema(ma.Schema):
    """A new draft broadcast."""

    page_id = Id(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    message = ma.fields.Dict(
        required=True,
        metadata={
            "description": '{"kind": "text", "text": "Hi {{first_name|there}}!", "buttons": '
            '[{"type": "web_url", "title": "Shop", "url": "https://…"}, {"type": "postback", '
            '"title": "More", "payload": "MORE"}], "quick_replies": [{"title": "Yes", '
            '"payload": "YES"}]}; or kind "media" with "media": {"type": "image", "url": …}; '
            'or kind "cards" with "cards": [{"title", "subtitle", "image_url", "url", '
            '"buttons"}] (up to 10).'
        },
    )
    audience = ma.fields.Dict(
        load_default=dict,
        metadata={
            "description": '{"segment_id": 3} for a saved segment, {"filter": {…segment '
            "conditions…}} for an ad-hoc one, {} for everyone on the Page; optionally "
            '"active_within_days".'
        },
    )
    intent = ma.fields.String(
        load_default="promotional", validate=ma.validate.OneOf([i.value for i in Intent])
    )
    tag = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.OneOf(list(policy.UPDATE_TAGS)),
        metadata={"description": "Required for intent update: what the update is about."},
    )


class ScheduleSchema(ma.Schema):
    """When to send."""

    scheduled_at = ma.fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "With a time zone offset; omit it to send now. A time more than a "
            "minute past is refused (a mistaken time zone must not send at once)."
        },
    )
    timezone = ma.fields.String(
        load_default=None, allow_none=True, metadata={"description": "IANA zone to show it in."}
    )


class AudienceCountsSchema(ma.Schema):
    """Who would receive it if sent now, and who is excluded and why."""

    total = ma.fields.Integer()
    receiving = ma.fields.Integer()
    in_window = ma.fields.Integer()
    tagged = ma.fields.Integer()
    excluded = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class PauseSchema(ma.Schema):
    """Why it is paused (optional)."""

    reason = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=200),
        metadata={"description": "Shown to the team with the broadcast's state."},
    )


class NoBodySchema(ma.Schema):
    """Nothing is needed: send `{}` or no body."""


def _broadcast(broadcast_id: int) -> Broadcast:
    broadcast = services.get(workspace_id(), broadcast_id)
    if broadcast is None:
        api_abort(404, "No broadcast with this id.")
    return broadcast


def _refuse(exc: BroadcastError) -> None:
    api_abort(422, " ".join(exc.problems), details={"problems": exc.problems})


@blp.route("")
@blp.arguments(BroadcastArgs, location="query", unknown="raise")
@blp.response(200, list_schema(BroadcastSchema, "BroadcastList"))
def list_broadcasts(args: dict[str, Any]) -> dict[str, Any]:
    """List broadcasts

    In id order; filter by `status` or `page_id`.
    """
    query = select(Broadcast).where(Broadcast.workspace_id == workspace_id())
    if "status" in args:
        query = query.where(Broadcast.status == BroadcastStatus(args["status"]))
    if "page_id" in args:
        query = query.where(Broadcast.page_id == args["page_id"])
    return paginate(query, Broadcast.id, args)


@blp.route("", methods=["POST"])
@blp.arguments(CreateSchema)
@blp.response(201, BroadcastSchema)
def create_broadcast(data: dict[str, Any]) -> Broadcast:
    """Create a draft

    Every Messenger limit is checked; a 422 lists every problem in `details.problems`.
    """
    draft = Draft(
        data["page_id"],
        data["name"],
        data["message"],
        data["audience"],
        data["intent"],
        data["tag"],
    )
    try:
        return services.create(workspace_id(), None, draft)
    except BroadcastError as exc:
        _refuse(exc)


@blp.route("/<int:broadcast_id>")
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_broadcast(broadcast_id: int) -> Broadcast:
    """Get a broadcast with its results"""
    return _broadcast(broadcast_id)


@blp.route("/<int:broadcast_id>/audience")
@blp.response(200, AudienceCountsSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def audience_counts(broadcast_id: int) -> AudienceCounts:
    """Preview the audience

    How many would receive it if sent now, and how many are excluded, by reason.
    """
    counts = services.preview_counts(_broadcast(broadcast_id), workspace_id())
    if counts is None:
        api_abort(422, "The broadcast's Page is not connected.")
    return counts


@blp.route("/<int:broadcast_id>/schedule", methods=["POST"])
@blp.arguments(ScheduleSchema)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def schedule_broadcast(data: dict[str, Any], broadcast_id: int) -> Broadcast:
    """Schedule or send now

    Until it starts, a scheduled broadcast can be changed, scheduled again or cancelled.
    """
    broadcast = _broadcast(broadcast_id)
    zone = data.get("timezone")
    if zone is not None and not display.valid_zone(zone):
        api_abort(422, f"“{zone}” is not a time zone.")
    at = data.get("scheduled_at")
    if at is not None and at < utcnow() - PAST_GRACE:
        api_abort(422, "scheduled_at is in the past; omit it to send now.")
    try:
        return services.schedule(broadcast, at, zone)
    except BroadcastError as exc:
        _refuse(exc)


def _control(broadcast_id: int, action: str, reason: str | None = None) -> Broadcast:
    broadcast = _broadcast(broadcast_id)
    run = {
        "pause": lambda b: services.pause(b, f"the API: {reason}" if reason else "the API"),
        "resume": services.resume,
        "cancel": services.cancel,
    }[action]
    try:
        return run(broadcast)
    except BroadcastError as exc:
        _refuse(exc)


@blp.route("/<int:broadcast_id>/pause", methods=["POST"])
@blp.arguments(PauseSchema, required=False)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def pause_broadcast(data: dict[str, Any], broadcast_id: int) -> Broadcast:
    """Pause a sending broadcast

    The batch in flight finishes; nothing more is sent until it is resumed.
    """
    return _control(broadcast_id, "pause", (data or {}).get("reason"))


@blp.route("/<int:broadcast_id>/resume", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def resume_broadcast(_data: dict[str, Any], broadcast_id: int) -> Broadcast:
    """Resume a paused broadcast

    A broadcast paused because its Page needs reconnecting resumes by itself once it is.
    """
    return _control(broadcast_id, "resume")


@blp.route("/<int:broadcast_id>/cancel", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, BroadcastSchema)
@blp.alt_response(404, response="NOT_FOUND")
def cancel_broadcast(_data: dict[str, Any], broadcast_id: int) -> Broadcast:
    """Cancel a broadcast

    Whoever had not received it yet is skipped; what was sent stays sent.
    """
    return _control(broadcast_id, "cancel")
