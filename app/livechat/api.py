"""/api/v1/conversations: the live chat over the REST API (same services as the inbox)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from app.core import policy
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.api.pagination import ListArgsSchema, list_schema, paginate
from app.core.messages.models import Message
from app.extensions import db
from app.livechat import services
from app.livechat.models import Conversation, ConversationStatus, Note
from app.livechat.services import LiveChatError

blp = ApiBlueprint(
    "api_conversations",
    __name__,
    url_prefix="/api/v1/conversations",
    tag="Conversations",
    description="Live chat: conversations, their messages and notes, replies under Meta's rules.",
)


class ConversationSchema(ma.Schema):
    """A subscriber's live chat conversation."""

    id = ma.fields.Integer(required=True)
    page_id = ma.fields.Integer(required=True)
    subscriber_id = ma.fields.Integer(required=True)
    subscriber_name = ma.fields.Function(lambda c: c.subscriber.display_name)
    status = ma.fields.Function(lambda c: c.status.value, metadata={"enum": ["open", "resolved"]})
    assignee_id = ma.fields.Integer(allow_none=True)
    last_message_at = ma.fields.AwareDateTime(allow_none=True)
    preview = ma.fields.String(allow_none=True)
    window = ma.fields.Function(lambda c: policy.window_state(c.subscriber).window.value)


class MessageSchema(ma.Schema):
    """A message of the conversation, in either direction."""

    id = ma.fields.Integer(required=True)
    direction = ma.fields.Function(lambda m: m.direction.value, metadata={"enum": ["in", "out"]})
    kind = ma.fields.String(required=True)
    text = ma.fields.String(allow_none=True)
    status = ma.fields.Function(lambda m: m.status.value)
    sent_at = ma.fields.AwareDateTime(required=True)
    messaging_type = ma.fields.String(allow_none=True)
    tag = ma.fields.String(allow_none=True)
    origin = ma.fields.String(required=True)
    error = ma.fields.String(allow_none=True)


class NoteSchema(ma.Schema):
    """A private note between operators."""

    id = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class ConversationArgs(ListArgsSchema):
    """Filters of the conversation list."""

    status = ma.fields.String(validate=ma.validate.OneOf(["open", "resolved"]))
    assignee_id = ma.fields.Integer()
    unassigned = ma.fields.Boolean()
    page_id = ma.fields.Integer()


class ReplySchema(ma.Schema):
    """A reply to send."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1999))
    sender = ma.fields.String(
        load_default="automation",
        validate=ma.validate.OneOf(["human", "automation"]),
        metadata={
            "description": "`human` only for text a person typed: it allows the Human Agent "
            "tag between 24 hours and 7 days; `automation` keeps to the 24-hour window."
        },
    )


class ConversationChangeSchema(ma.Schema):
    """What to change: the assignee (null: nobody) and/or the status."""

    assignee_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(validate=ma.validate.OneOf(["open", "resolved"]))


class TextSchema(ma.Schema):
    """A note's text."""

    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


def _conversation(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.workspace_id != workspace_id():
        api_abort(404, "No conversation with this id.")
    return conversation


@blp.route("")
@blp.arguments(ConversationArgs, location="query", unknown="raise")
@blp.response(200, list_schema(ConversationSchema, "ConversationList"))
def list_conversations(args: dict[str, Any]) -> dict[str, Any]:
    """List conversations

    In id order; filter by `status`, `assignee_id`, `unassigned=true` or `page_id`.
    """
    query = select(Conversation).where(Conversation.workspace_id == workspace_id())
    if "status" in args:
        query = query.where(Conversation.status == ConversationStatus(args["status"]))
    if "assignee_id" in args:
        query = query.where(Conversation.assignee_id == args["assignee_id"])
    if args.get("unassigned"):
        query = query.where(Conversation.assignee_id.is_(None))
    if "page_id" in args:
        query = query.where(Conversation.page_id == args["page_id"])
    return paginate(query, Conversation.id, args)


@blp.route("/<int:conversation_id>")
@blp.response(200, ConversationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_conversation(conversation_id: int) -> Conversation:
    """Get a conversation"""
    return _conversation(conversation_id)


@blp.route("/<int:conversation_id>/messages")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, list_schema(MessageSchema, "MessageList"))
@blp.alt_response(404, response="NOT_FOUND")
def list_messages(args: dict[str, Any], conversation_id: int) -> dict[str, Any]:
    """List a conversation's messages

    Oldest first (id order), inbound and outbound, with their delivery status.
    """
    conversation = _conversation(conversation_id)
    query = select(Message).where(Message.subscriber_id == conversation.subscriber_id)
    return paginate(query, Message.id, args)


@blp.route("/<int:conversation_id>/reply", methods=["POST"])
@blp.arguments(ReplySchema)
@blp.response(201, MessageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def reply(data: dict[str, Any], conversation_id: int) -> Message:
    """Reply

    Queued and sent by a worker. Refused with 422 (and never sent) when Meta's messaging windows
    do not allow it now; the message says why.
    """
    conversation = _conversation(conversation_id)
    try:
        return services.reply(
            conversation, None, data["text"], sender=policy.Sender(data["sender"]), origin="api"
        )
    except LiveChatError as exc:
        api_abort(422, str(exc))


@blp.route("/<int:conversation_id>", methods=["PATCH"])
@blp.arguments(ConversationChangeSchema)
@blp.response(200, ConversationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def change_conversation(data: dict[str, Any], conversation_id: int) -> Conversation:
    """Assign, resolve or reopen a conversation

    `assignee_id` null unassigns; a resolved conversation reopens by itself when the person
    writes again.
    """
    conversation = _conversation(conversation_id)
    try:
        if "assignee_id" in data:
            services.assign(conversation, data["assignee_id"])
        if "status" in data:
            services.set_status(conversation, ConversationStatus(data["status"]))
    except LiveChatError as exc:
        api_abort(422, str(exc))
    return conversation


@blp.route("/<int:conversation_id>/notes")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, list_schema(NoteSchema, "NoteList"))
@blp.alt_response(404, response="NOT_FOUND")
def list_notes(args: dict[str, Any], conversation_id: int) -> dict[str, Any]:
    """List the private notes of a conversation"""
    conversation = _conversation(conversation_id)
    return paginate(select(Note).where(Note.conversation_id == conversation.id), Note.id, args)


@blp.route("/<int:conversation_id>/notes", methods=["POST"])
@blp.arguments(TextSchema)
@blp.response(201, NoteSchema)
@blp.alt_response(404, response="NOT_FOUND")
def add_note(data: dict[str, Any], conversation_id: int) -> Note:
    """Add a private note (never sent to the person)"""
    try:
        return services.add_note(_conversation(conversation_id), None, data["text"])
    except LiveChatError as exc:
        api_abort(422, str(exc))
