"""The Send API: ``POST /{page-id}/messages`` (and ``/me/messages``) and attachment upload.

Every check runs before the first write, so a refused operation inside a batch leaves nothing
behind. A successful send is stored in the thread and echoed (``message_echoes``); its delivery
receipt (``message_deliveries``) follows asynchronously through the dispatcher.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.recipients import Target, resolve_recipient
from sandbox.graph.request import GraphRequest, require_object
from sandbox.graph.router import GraphRouter, Node
from sandbox.graph.send_content import MEDIA_TYPES, validate_message
from sandbox.graph.send_rules import SendType, check_window, parse_send_type
from sandbox.ids import new_mid, new_numeric_id
from sandbox.limits import buc_header
from sandbox.models import MessageAttachment, Page, Thread
from sandbox.services import threads
from sandbox.webhooks import events, payloads

SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
# The app id echoes carry for messages a Page sends from Facebook's own inbox (not via an app).
INBOX_APP_ID = "263902037430900"


def register(router: GraphRouter) -> None:
    """Register the Send API handlers and the batch preloader of their recipients."""
    router.edge("page", "POST", "messages")(send_message)
    router.edge("page", "POST", "message_attachments")(upload_attachment)
    router.preloader(preload_recipients)


def preload_recipients(ctx: CallContext, operations: list[GraphRequest]) -> None:
    """Load, in one query, the threads of every PSID a batch of sends addresses."""
    psids: set[str] = set()
    for op in operations:
        if op.method == "POST" and op.segments[-1:] == ["messages"]:
            recipient = op.obj("recipient")
            if isinstance(recipient, dict) and recipient.get("id") is not None:
                psids.add(str(recipient["id"]))
    if psids:
        ctx.shared.pinned.extend(ctx.session.scalars(select(Thread).where(Thread.psid.in_(psids))))


def _messaging_auth(ctx: CallContext, node: Node) -> Page:
    auth = ctx.auth
    auth.require_page_token()
    if auth.page_id != node.id:
        raise errors.unsupported_request("POST", node.id)
    if not auth.has("pages_messaging"):
        raise errors.missing_messaging_permission("pages_messaging")
    auth.require_task("MESSAGING")
    return node.obj


def send_message(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Send a message or a sender action to a person, enforcing Messenger's rules."""
    ctx.usage_type = "messenger"
    page = _messaging_auth(ctx, node)
    request = ctx.request
    recipient = require_object(request, "recipient")
    ctx.violation = {
        "recipient": request.text("recipient"),
        "messaging_type": request.text("messaging_type"),
        "tag": request.text("tag"),
    }
    action, message = request.text("sender_action"), request.obj("message")
    if (action is None) == (message is None):
        raise errors.invalid_param(
            "Exactly one of message or sender_action must be specified", rule="message_invalid"
        )
    if action is not None:
        return _send_action(ctx, page, recipient, action.lower())
    send = parse_send_type(request)
    if send.messaging_type == "UTILITY" and not ctx.auth.has("page_utility_messaging"):
        raise errors.missing_messaging_permission("page_utility_messaging")
    content = validate_message(message, lambda aid: _attachment_known(ctx, page.id, aid))
    target = resolve_recipient(ctx, page, recipient)
    _check_rules(ctx, target, send)
    _admit(ctx, page.id)
    return _deliver(ctx, target, send, content)


def _attachment_known(ctx: CallContext, page_id: str, attachment_id: str) -> bool:
    row = ctx.session.get(MessageAttachment, attachment_id)
    return row is not None and row.page_id == page_id


def _check_rules(ctx: CallContext, target: Target, send: SendType) -> None:
    if target.private_reply or target.kind == "phone_number":
        return  # private replies have their own 7-day rule; customer matching opens a thread
    last = target.thread.last_inbound_at if target.thread else None
    if target.user_ref is not None:
        last = max(last or 0, target.user_ref.created_at)
    allowed = ctx.sandbox.settings["human_agent_feature"] and "human_agent" in ctx.auth.app_features
    check_window(send, last, ctx.now_ms, human_agent_allowed=allowed)


def _admit(ctx: CallContext, page_id: str) -> None:
    limit = ctx.sandbox.settings["send_rate_limit"]
    if ctx.sandbox.limiter.try_admit(page_id, limit):
        return
    count = ctx.sandbox.limiter.count(page_id)
    usage = {"call_count": max(100, -(-count * 100 // limit)), "total_cputime": 0, "total_time": 0}
    raise errors.rate_limited(
        {"X-Business-Use-Case-Usage": buc_header(page_id, "messenger", usage, 0)},
        rule="rate_limit",
    )


def _deliver(
    ctx: CallContext, target: Target, send: SendType, content: dict[str, Any]
) -> dict[str, Any]:
    session, now, app_id = ctx.session, ctx.now_ms, ctx.auth.app_id
    thread = target.materialize(ctx)
    mid = new_mid()
    threads.record(
        session,
        thread,
        direction="out",
        timestamp=now,
        mid=mid,
        text=content.get("text"),
        message=content,
        messaging_type=send.messaging_type,
        tag=send.tag,
        app_id=app_id,
    )
    if target.comment is not None:
        target.comment.private_reply_mid = mid
    if target.post is not None:
        target.post.private_reply_mid = mid
    if target.user_ref is not None:
        target.user_ref.used_at = now
    echoed = _with_attachment_url(ctx, content)
    emit_echo_and_delivery(ctx, thread.page_id, thread.psid, mid, echoed, app_id, now)
    thread.delivered_watermark = now
    response = {"recipient_id": thread.psid} if target.shows_recipient_id else {}
    response["message_id"] = mid
    return response


def emit_echo_and_delivery(
    ctx: CallContext,
    page_id: str,
    psid: str,
    mid: str,
    content: dict[str, Any],
    app_id: str,
    now: int,
) -> None:
    """Queue the echo of a Page message and, after it, its delivery receipt."""
    memo = ctx.shared.memo
    echo = payloads.echo_event(page_id, psid, now, mid, content, app_id)
    delivery = payloads.delivery_event(page_id, psid, [mid], now)
    queued = events.enqueue_messaging(
        ctx.session, page_id=page_id, kind="echo", event=echo, time_ms=now, memo=memo
    )
    queued += events.enqueue_messaging(
        ctx.session, page_id=page_id, kind="delivery", event=delivery, time_ms=now, memo=memo
    )
    if queued:
        ctx.shared.notify_dispatcher = True


def _send_action(
    ctx: CallContext, page: Page, recipient: dict[str, Any], action: str
) -> dict[str, Any]:
    if action not in SENDER_ACTIONS:
        raise errors.invalid_param(
            f"param sender_action must be one of {{{', '.join(SENDER_ACTIONS)}}}",
            rule="message_invalid",
        )
    target = resolve_recipient(ctx, page, recipient)
    if target.kind != "id" or target.thread is None:
        raise errors.invalid_param(
            "Sender actions can only be sent to a recipient id (PSID)", rule="recipient_invalid"
        )
    check_window(
        SendType("RESPONSE", None),
        target.thread.last_inbound_at,
        ctx.now_ms,
        human_agent_allowed=False,
    )
    _admit(ctx, page.id)
    threads.record(
        ctx.session,
        target.thread,
        direction="out",
        kind="action",
        timestamp=ctx.now_ms,
        sender_action=action,
        app_id=ctx.auth.app_id,
    )
    return {"recipient_id": target.thread.psid}


def upload_attachment(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Store a reusable attachment and return its ``attachment_id``."""
    page = _messaging_auth(ctx, node)
    message = require_object(ctx.request, "message")
    attachment = message.get("attachment")
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    if not isinstance(payload, dict) or attachment.get("type") not in MEDIA_TYPES:
        raise errors.invalid_param(
            "param message[attachment] must have a type in {image, audio, video, file} and a "
            "payload"
        )
    url = payload.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise errors.invalid_param(
            "param message[attachment][payload][url] must be an http(s) URL (the sandbox does "
            "not accept file uploads)"
        )
    row = MessageAttachment(
        id=new_numeric_id(16, "3"),
        page_id=page.id,
        type=attachment["type"],
        url=url,
        created_at=ctx.now_ms,
    )
    ctx.session.add(row)
    return {"attachment_id": row.id}


def _with_attachment_url(ctx: CallContext, content: dict[str, Any]) -> dict[str, Any]:
    """Echoes show an uploaded attachment by its URL, as Messenger does."""
    attachment = content.get("attachment")
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    if not isinstance(payload, dict) or payload.get("attachment_id") is None:
        return content
    url = ctx.session.scalar(
        select(MessageAttachment.url).where(MessageAttachment.id == str(payload["attachment_id"]))
    )
    return {**content, "attachment": {**attachment, "payload": {**payload, "url": url}}}
