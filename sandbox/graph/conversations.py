"""The Conversations API: ``/{page-id}/conversations`` and ``/{conversation-id}/messages``.

A conversation is a thread (PSID) seen from the Page's inbox; its id (``t_...``) is derived from
the PSID by a fixed invertible scramble, so it is stable and opaque without a stored column.
Calls need a Page token with ``pages_messaging`` and the MESSAGING task, and are limited per Page
(``conversations_rate_limit``, 2 calls/s as on Facebook) with code 613.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.pages import check_fields
from sandbox.graph.paging import encode_cursor, paginate
from sandbox.graph.render import graph_time, nested, pick
from sandbox.graph.router import GraphRouter, Node
from sandbox.limits import buc_header
from sandbox.models import Message, Page, Person, Thread

_MOD = 10**17
_MULT = 6_700_417_000_000_019  # odd, not a multiple of 5: invertible modulo 10**17
_INVERSE = pow(_MULT, -1, _MOD)
THREAD_KINDS = ("message", "postback")  # what the inbox shows as messages
CONVERSATION_FIELDS = frozenset(
    {
        "id",
        "updated_time",
        "message_count",
        "unread_count",
        "participants",
        "senders",
        "snippet",
        "can_reply",
        "messages",
    }
)
MESSAGE_FIELDS = frozenset({"id", "message", "from", "to", "created_time", "attachments"})
DEFAULT_CONVERSATION_FIELDS = ["id", "updated_time"]
DEFAULT_MESSAGE_FIELDS = ["id", "created_time"]
NESTED_LIMIT = 25
MIME_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg"}


def conversation_id(psid: str) -> str:
    """Return the conversation id of a thread."""
    return f"t_{(int(psid) * _MULT) % _MOD}"


def psid_of(conversation: str) -> str | None:
    """Return the PSID behind a conversation id, or None for a malformed one."""
    number = conversation.removeprefix("t_")
    if not number.isdigit():
        return None
    return str((int(number) * _INVERSE) % _MOD)


def register(router: GraphRouter) -> None:
    """Register the conversation resolver and handlers."""
    router.resolver(resolve_conversation)
    router.edge("page", "GET", "conversations")(list_conversations)
    router.edge("conversation", "GET")(get_conversation)
    router.edge("conversation", "GET", "messages")(list_messages)


def resolve_conversation(ctx: CallContext, ident: str) -> Node | None:
    """A conversation, visible only to a Page token of its Page."""
    if not ident.startswith("t_"):
        return None
    psid = psid_of(ident)
    thread = ctx.session.get(Thread, psid) if psid else None
    auth = ctx.auth
    if thread is None or auth.kind != "PAGE" or auth.page_id != thread.page_id:
        return None
    return Node("conversation", ident, thread)


def _inbox_auth(ctx: CallContext, page_id: str) -> None:
    auth = ctx.auth
    auth.require_page_token()
    if auth.page_id != page_id:
        raise errors.unsupported_request("GET", page_id)
    if not auth.has("pages_messaging"):
        raise errors.missing_messaging_permission("pages_messaging")
    auth.require_task("MESSAGING")
    limit = ctx.sandbox.settings["conversations_rate_limit"]
    limiter = ctx.sandbox.conversations_limiter
    if limiter.try_admit(page_id, limit):
        return
    usage = {"call_count": 100, "total_cputime": 0, "total_time": 0}
    raise errors.rate_limited(
        {"X-Business-Use-Case-Usage": buc_header(page_id, "pages", usage, 0)},
        rule="conversations_rate_limit",
    )


def _party(ident: str, name: str) -> dict[str, str]:
    return {"name": name, "email": f"{ident}@facebook.com", "id": ident}


def _parties(ctx: CallContext, thread: Thread) -> tuple[dict[str, str], dict[str, str]]:
    person = ctx.session.get(Person, thread.person_id)
    page = ctx.session.get(Page, thread.page_id)
    assert person is not None
    assert page is not None
    return _party(thread.psid, person.name), _party(page.id, page.name)


def _items(ctx: CallContext, psid: str) -> list[Message]:
    """The thread's messages, newest first."""
    return list(
        ctx.session.scalars(
            select(Message)
            .where(Message.psid == psid, Message.kind.in_(THREAD_KINDS))
            .order_by(Message.timestamp.desc(), Message.id.desc())
        )
    )


def render_message(
    item: Message, person: dict[str, str], page: dict[str, str], fields: list[str]
) -> dict[str, Any]:
    """Return the requested fields of one message of a conversation."""
    sender, recipient = (person, page) if item.direction == "in" else (page, person)
    values: dict[str, Any] = {
        "id": item.mid,
        "message": item.text or "",
        "from": sender,
        "to": {"data": [recipient]},
        "created_time": graph_time(item.timestamp),
        "attachments": _attachments(item),
    }
    return pick(values, fields)


def _attachments(item: Message) -> dict[str, Any] | None:
    content = item.message or {}
    found = list(content.get("attachments") or [])
    if content.get("attachment"):
        found.append(content["attachment"])
    data = []
    for index, attachment in enumerate(found):
        kind = attachment.get("type")
        url = (attachment.get("payload") or {}).get("url")
        if kind == "template" or not url:
            continue
        entry: dict[str, Any] = {
            "id": f"{item.mid}_{index}",
            "mime_type": MIME_TYPES.get(str(kind), "application/octet-stream"),
            "name": url.rsplit("/", 1)[-1],
        }
        entry["image_data" if kind == "image" else "file_url"] = (
            {"url": url, "preview_url": url} if kind == "image" else url
        )
        data.append(entry)
    return {"data": data} if data else None


def _unread(items: list[Message], seen_at: int) -> int:
    return sum(1 for m in items if m.direction == "in" and m.timestamp > seen_at)


def _seen_at(ctx: CallContext, thread: Thread) -> int:
    """When the Page last looked: its last mark_seen, or its last reply."""
    last = ctx.session.scalar(
        select(func.max(Message.timestamp)).where(
            Message.psid == thread.psid,
            Message.direction == "out",
            (Message.kind == "message") | (Message.sender_action == "mark_seen"),
        )
    )
    return last or 0


def render_conversation(ctx: CallContext, thread: Thread, fields: list[str]) -> dict[str, Any]:
    """Return the requested fields of a conversation (``messages`` as a nested edge)."""
    person, page = _parties(ctx, thread)
    items = _items(ctx, thread.psid)
    cid = conversation_id(thread.psid)
    values: dict[str, Any] = {
        "id": cid,
        "updated_time": graph_time(items[0].timestamp if items else thread.created_at),
        "message_count": len(items),
        "unread_count": _unread(items, _seen_at(ctx, thread)),
        "participants": {"data": [person, page]},
        "senders": {"data": [person, page]},
        "snippet": (items[0].text or "")[:100] if items else "",
        "can_reply": not thread.blocked,
    }
    if "messages" in fields:
        values["messages"] = _nested_messages(ctx, cid, items, person, page)
    return pick(values, fields)


def _nested_messages(
    ctx: CallContext,
    cid: str,
    items: list[Message],
    person: dict[str, str],
    page: dict[str, str],
) -> dict[str, Any]:
    spec = nested(ctx.request.text("fields"), "messages")
    fields = spec.fields or DEFAULT_MESSAGE_FIELDS
    check_fields(fields, MESSAGE_FIELDS, "Message")
    limit = spec.limit or NESTED_LIMIT
    chunk = items[:limit]
    result: dict[str, Any] = {"data": [render_message(m, person, page, fields) for m in chunk]}
    if chunk:
        result["paging"] = {
            "cursors": {
                "before": encode_cursor(str(chunk[0].mid)),
                "after": encode_cursor(str(chunk[-1].mid)),
            }
        }
        if len(items) > limit:
            query = {"access_token": ctx.request.token, "fields": ",".join(fields)}
            query.update(limit=str(limit), after=encode_cursor(str(chunk[-1].mid)))
            result["paging"]["next"] = ctx.request.url(f"{cid}/messages", query)
    return result


def list_conversations(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List the Page's Messenger conversations, most recently updated first."""
    _inbox_auth(ctx, node.id)
    request = ctx.request
    platform = request.text("platform") or "messenger"
    if platform not in ("messenger", "instagram"):
        raise errors.invalid_param("param platform must be one of {messenger, instagram}")
    fields = request.fields(DEFAULT_CONVERSATION_FIELDS)
    check_fields(fields, CONVERSATION_FIELDS, "Conversation")
    updated = func.max(Message.timestamp)
    query = (
        select(Thread, updated)
        .join(Message, Message.psid == Thread.psid)
        .where(Thread.page_id == node.id, Message.kind.in_(THREAD_KINDS))
        .group_by(Thread.psid)
        .order_by(updated.desc(), Thread.psid)
    )
    if request.text("user_id"):
        query = query.where(Thread.psid == request.text("user_id"))
    rows = [] if platform == "instagram" else ctx.session.execute(query).all()
    chunk, paging = paginate(ctx, rows, lambda row: row[0].psid, f"{node.id}/conversations")
    result: dict[str, Any] = {"data": [render_conversation(ctx, row[0], fields) for row in chunk]}
    if paging:
        result["paging"] = paging
    return result


def get_conversation(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return one conversation's fields."""
    thread: Thread = node.obj
    _inbox_auth(ctx, thread.page_id)
    fields = ctx.request.fields(DEFAULT_CONVERSATION_FIELDS)
    check_fields(fields, CONVERSATION_FIELDS, "Conversation")
    return render_conversation(ctx, thread, fields)


def list_messages(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List a conversation's messages, newest first."""
    thread: Thread = node.obj
    _inbox_auth(ctx, thread.page_id)
    fields = ctx.request.fields(DEFAULT_MESSAGE_FIELDS)
    check_fields(fields, MESSAGE_FIELDS, "Message")
    person, page = _parties(ctx, thread)
    items = _items(ctx, thread.psid)
    chunk, paging = paginate(ctx, items, lambda m: str(m.mid), f"{node.id}/messages")
    result: dict[str, Any] = {"data": [render_message(m, person, page, fields) for m in chunk]}
    if paging:
        result["paging"] = paging
    return result
