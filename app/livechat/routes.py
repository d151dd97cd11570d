"""The inbox: folders, a conversation with its thread, replies, notes, assignment, live updates."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from app.core import events, policy
from app.core.db import parse_id
from app.core.messages.models import Message
from app.extensions import db
from app.livechat import bp, inbox, services
from app.livechat.models import Conversation, ConversationStatus, Note
from app.livechat.services import LiveChatError


def _conversation(conversation_id: int) -> Conversation:
    return inbox.conversation_or_404(current_user, conversation_id)


def _list_context(folder: str, search: str) -> dict:
    rows = inbox.conversations(current_user, folder, search)
    return {
        "folder": folder if folder in inbox.FOLDERS else "open",
        "folders": inbox.FOLDERS,
        "counts": inbox.folder_counts(current_user),
        "conversations": rows,
        "unread": services.unread_counts(rows),
        "search": search,
    }


def _conversation_context(conversation: Conversation) -> dict:
    return {
        "conversation": conversation,
        "items": inbox.thread(conversation),
        "decision": services.reply_decision(conversation),
        "window": policy.window_state(conversation.subscriber),
        "operators": services.assignable(conversation),
    }


@bp.get("/")
@login_required
def index() -> str:
    """The inbox, with a conversation open when `c` is given."""
    folder, search = request.args.get("folder", "unassigned"), request.args.get("q", "")
    # Read before the page's data: whatever happens after it reaches the page's stream.
    last_event_id = events.latest_id(current_user.workspace_id)
    selected = request.args.get("c", type=int)
    conversation = _conversation(selected) if selected else None
    if conversation is not None:
        services.open_conversation(conversation, current_user)  # read before the list counts
    context = _list_context(folder, search)
    if conversation is not None:
        context.update(_conversation_context(conversation))
    return render_template("livechat/inbox.html", last_event_id=last_event_id, **context)


@bp.get("/list")
@login_required
def conversation_list() -> str:
    """The conversation list alone (refreshed live)."""
    context = _list_context(request.args.get("folder", "unassigned"), request.args.get("q", ""))
    context["selected"] = request.args.get("c", type=int)
    return render_template("livechat/_list.html", **context)


PARTS = {
    "header": "livechat/_header.html",
    "thread": "livechat/_thread.html",
    "composer": "livechat/_composer.html",
}


@bp.get("/c/<int:conversation_id>/part/<part>")
@login_required
def part(conversation_id: int, part: str) -> str:
    """One part of the conversation view (header, thread or reply box), refreshed live."""
    if part not in PARTS:
        abort(404)
    conversation = _conversation(conversation_id)
    if part == "thread" and request.args.get("seen"):
        services.open_conversation(conversation, current_user)
    return render_template(PARTS[part], **_conversation_context(conversation))


@bp.get("/c/<int:conversation_id>/messages/<int:message_id>")
@login_required
def message(conversation_id: int, message_id: int) -> str:
    """One message bubble (added or updated live)."""
    conversation = _conversation(conversation_id)
    row = db.session.get(Message, message_id)
    if row is None or row.subscriber_id != conversation.subscriber_id:
        abort(404)
    return render_template("livechat/_message.html", message=row, conversation=conversation)


@bp.post("/c/<int:conversation_id>/reply")
@login_required
def reply(conversation_id: int) -> BaseResponse | str:
    """Send an operator's reply, if Messenger's rules allow it now."""
    conversation = _conversation(conversation_id)
    try:
        services.reply(conversation, current_user, request.form.get("text", ""))
    except LiveChatError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    return render_template("livechat/_conversation.html", **_conversation_context(conversation))


@bp.post("/c/<int:conversation_id>/typing")
@login_required
def typing(conversation_id: int) -> BaseResponse:
    """The operator is typing."""
    services.typing(_conversation(conversation_id), current_user)
    return Response(status=204)


@bp.post("/c/<int:conversation_id>/retry/<int:message_id>")
@login_required
def retry(conversation_id: int, message_id: int) -> BaseResponse | str:
    """Send a failed reply again."""
    conversation = _conversation(conversation_id)
    try:
        services.retry(conversation, current_user, message_id)
    except LiveChatError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    return render_template("livechat/_conversation.html", **_conversation_context(conversation))


@bp.post("/c/<int:conversation_id>/note")
@login_required
def note(conversation_id: int) -> BaseResponse | str:
    """Add a private note for the other operators."""
    conversation = _conversation(conversation_id)
    try:
        services.add_note(conversation, current_user, request.form.get("text", ""))
    except LiveChatError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    return render_template("livechat/_conversation.html", **_conversation_context(conversation))


@bp.post("/c/<int:conversation_id>/assign")
@login_required
def assign(conversation_id: int) -> BaseResponse | str:
    """Assign the conversation (empty: unassign)."""
    conversation = _conversation(conversation_id)
    raw = request.form.get("assignee_id", "")
    try:
        services.assign(conversation, parse_id(raw))
    except LiveChatError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    return render_template("livechat/_conversation.html", **_conversation_context(conversation))


@bp.post("/c/<int:conversation_id>/status")
@login_required
def status(conversation_id: int) -> str:
    """Resolve or reopen the conversation."""
    conversation = _conversation(conversation_id)
    wanted = request.form.get("status", "")
    if wanted not in {s.value for s in ConversationStatus}:
        abort(400)
    services.set_status(conversation, ConversationStatus(wanted))
    return render_template("livechat/_conversation.html", **_conversation_context(conversation))


@bp.get("/c/<int:conversation_id>/notes/<int:note_id>")
@login_required
def note_item(conversation_id: int, note_id: int) -> str:
    """One note (added live)."""
    conversation = _conversation(conversation_id)
    row = db.session.get(Note, note_id)
    if row is None or row.conversation_id != conversation.id:
        abort(404)
    return render_template("livechat/_note.html", note=row)


@bp.get("/stream")
@login_required
def stream() -> Response:
    """Server-sent events for this operator: their workspace, and only the Pages they may see."""
    return events.stream_response()
