"""What simulated people do: message a Page, tap buttons, open m.me links, read, block, opt in.

Each action records the thread item and queues the webhook event ``inflight``, so the control API
can make the first delivery attempt synchronously and report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.ids import new_mid
from sandbox.models import Message, Page, Person, Thread, UserRef
from sandbox.services import threads
from sandbox.webhooks import events, payloads


class ActionRefused(Exception):
    """The simulated person cannot do this (e.g. message a Page they blocked)."""


@dataclass
class ActionResult:
    """The thread touched, the last message id and the webhook events queued."""

    psid: str | None
    mid: str | None = None
    event_ids: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Inbound:
    """The content of a person's action towards a Page."""

    text: str | None = None
    quick_reply_payload: str | None = None
    postback_payload: str | None = None
    postback_title: str | None = None
    ref: str | None = None
    attachment_url: str | None = None
    reply_to: str | None = None  # the mid of the message the person replies to
    sticker_id: str | None = None

    def has_message(self) -> bool:
        """Return whether this action includes a message (not only a postback or a ref)."""
        return bool(self.text or self.quick_reply_payload or self.attachment_url or self.sticker_id)


ATTACHMENT_TYPES = {
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "webp": "image",
    "mp4": "video",
    "mov": "video",
    "mp3": "audio",
    "m4a": "audio",
    "ogg": "audio",
    "wav": "audio",
}


def send_to_page(
    session: Session, person: Person, page: Page, inbound: Inbound, at: int
) -> ActionResult:
    """A person's message, quick reply, postback and/or m.me referral to a Page.

    An m.me ``ref`` on a new conversation rides on the Get Started postback; a Page without a
    Get Started button never receives it (refused when the person does nothing else).
    """
    get_started = get_started_payload(page)
    ref_only = inbound.ref is not None and not inbound.has_message()
    if ref_only and get_started is None and not threads.find_thread(session, person.id, page.id):
        raise ActionRefused(
            "the Page has no Get Started button, so Messenger passes no m.me ref to a new "
            "conversation (set one with the Messenger Profile API)"
        )
    thread, is_new = threads.thread_for(session, person.id, page.id, at)
    if thread.blocked:
        raise ActionRefused("this person has blocked the Page")
    session.flush()
    result = ActionResult(thread.psid)
    memo: dict[Any, Any] = {}
    referral = payloads.shortlink_referral(inbound.ref) if inbound.ref is not None else None
    if inbound.postback_payload is not None:
        title = inbound.postback_title or _button_title(session, thread, inbound.postback_payload)
        queue_postback(session, thread, inbound.postback_payload, title, referral, at, memo, result)
    elif referral is not None and is_new and get_started is not None:
        queue_postback(session, thread, get_started, "Get Started", referral, at, memo, result)
    elif referral is not None and not is_new:
        queue_referral(session, thread, referral, at, memo, result)
    if inbound.has_message():
        queue_message(session, thread, inbound, at, memo, result)
    return result


def get_started_payload(page: Page) -> str | None:
    """Return the payload of the Page's Get Started button, if it has one."""
    payload = ((page.messenger_profile or {}).get("get_started") or {}).get("payload")
    return str(payload) if payload else None


def _queue(
    session: Session,
    thread: Thread,
    kind: str,
    event: dict,
    at: int,
    memo: dict,
    result: ActionResult,
) -> None:
    queued = events.enqueue_messaging(
        session,
        page_id=thread.page_id,
        kind=kind,
        event=event,
        time_ms=at,
        memo=memo,
        inflight=True,
    )
    session.flush()
    result.event_ids += [e.id for e in queued]


def queue_postback(
    session: Session,
    thread: Thread,
    payload: str,
    title: str,
    referral: dict[str, Any] | None,
    at: int,
    memo: dict,
    result: ActionResult,
) -> None:
    """Record a postback (a tapped button, Get Started) and queue its event."""
    postback: dict[str, Any] = {"title": title, "payload": payload, "mid": new_mid()}
    if referral is not None:
        postback["referral"] = referral
    threads.record(
        session,
        thread,
        direction="in",
        kind="postback",
        timestamp=at,
        mid=postback["mid"],
        text=title,
        message=postback,
    )
    event = payloads.postback_event(thread.page_id, thread.psid, at, postback)
    _queue(session, thread, "postback", event, at, memo, result)
    result.mid = postback["mid"]


def queue_referral(
    session: Session,
    thread: Thread,
    referral: dict[str, Any],
    at: int,
    memo: dict,
    result: ActionResult,
) -> None:
    """Record a referral into an existing thread (m.me link, ad) and queue its event."""
    threads.record(session, thread, direction="in", kind="referral", timestamp=at, message=referral)
    event = payloads.referral_event(thread.page_id, thread.psid, at, referral)
    _queue(session, thread, "referral", event, at, memo, result)


def queue_message(
    session: Session,
    thread: Thread,
    inbound: Inbound,
    at: int,
    memo: dict,
    result: ActionResult,
    referral: dict[str, Any] | None = None,
) -> None:
    """Record a person's message and queue its event (``referral`` when it came from an ad)."""
    mid = new_mid()
    message: dict[str, Any] = {"mid": mid}
    text = inbound.text
    if inbound.quick_reply_payload is not None:
        text = text or _quick_reply_title(session, thread, inbound.quick_reply_payload)
        message["quick_reply"] = {"payload": inbound.quick_reply_payload}
    if text:
        message["text"] = text
    if inbound.reply_to:
        message["reply_to"] = {"mid": inbound.reply_to}
    if inbound.sticker_id:
        # Stickers arrive with sticker_id and an image attachment carrying it too.
        message["sticker_id"] = int(inbound.sticker_id)
        url = f"https://scontent.xx.fbcdn.net/sticker/{inbound.sticker_id}.png"
        message["attachments"] = [
            {"type": "image", "payload": {"url": url, "sticker_id": int(inbound.sticker_id)}}
        ]
    if inbound.attachment_url:
        extension = inbound.attachment_url.rsplit(".", 1)[-1].lower().split("?")[0]
        kind = ATTACHMENT_TYPES.get(extension, "file")
        message["attachments"] = [{"type": kind, "payload": {"url": inbound.attachment_url}}]
    if referral is not None:
        message["referral"] = referral
    prior = None
    if thread.prior_message_pending and thread.matched_phone:
        prior = {"source": "customer_matching", "identifier": thread.matched_phone}
        thread.prior_message_pending = False
    threads.record(
        session, thread, direction="in", timestamp=at, mid=mid, text=text, message=message
    )
    event = payloads.message_event(thread.page_id, thread.psid, at, message, prior)
    _queue(session, thread, "message", event, at, memo, result)
    result.mid = mid


def _last_outbound(session: Session, thread: Thread) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.psid == thread.psid, Message.direction == "out", Message.kind == "message"
            )
            .order_by(Message.timestamp.desc(), Message.id.desc())
            .limit(20)
        )
    )


def _quick_reply_title(session: Session, thread: Thread, payload: str) -> str:
    for item in _last_outbound(session, thread):
        for reply in (item.message or {}).get("quick_replies") or []:
            if str(reply.get("payload")) == payload and reply.get("title"):
                return str(reply["title"])
    return payload


def _button_title(session: Session, thread: Thread, payload: str) -> str:
    for item in _last_outbound(session, thread):
        for button in _buttons(item.message or {}):
            if button.get("type") == "postback" and str(button.get("payload")) == payload:
                return str(button.get("title") or payload)
    return payload


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    payload = (message.get("attachment") or {}).get("payload") or {}
    found = list(payload.get("buttons") or [])
    for element in payload.get("elements") or []:
        found += element.get("buttons") or []
    return [b for b in found if isinstance(b, dict)]


def read_all(session: Session, person: Person, page: Page, at: int) -> ActionResult:
    """The person reads everything the Page sent so far."""
    thread = threads.find_thread(session, person.id, page.id)
    if thread is None:
        raise ActionRefused("this person has no conversation with the Page")
    last_out = max((m.timestamp for m in _last_outbound(session, thread)), default=0)
    watermark = max(last_out, thread.read_watermark)
    thread.read_watermark = watermark
    result = ActionResult(thread.psid, extra={"watermark": watermark})
    event = payloads.read_event(page.id, thread.psid, at, watermark)
    _queue(session, thread, "read", event, at, {}, result)
    return result


def set_blocked(session: Session, person: Person, page: Page, blocked: bool, at: int) -> Thread:
    """Block or unblock the Page (blocking a Page never messaged still gives it a PSID)."""
    thread, _ = threads.thread_for(session, person.id, page.id, at)
    thread.blocked = blocked
    return thread


def opt_in(
    session: Session, person: Person, page: Page, *, ref: str | None, user_ref: str | None, at: int
) -> ActionResult:
    """An opt-in (checkbox plugin when ``user_ref`` is given): opens the 24-hour window."""
    memo: dict[Any, Any] = {}
    optin: dict[str, Any] = {"ref": ref} if ref is not None else {}
    if user_ref is not None:
        session.merge(
            UserRef(user_ref=user_ref, page_id=page.id, person_id=person.id, created_at=at)
        )
        optin["user_ref"] = user_ref
        event = payloads.optin_event(page.id, {"user_ref": user_ref}, at, optin)
        queued = events.enqueue_messaging(
            session,
            page_id=page.id,
            kind="optin",
            event=event,
            time_ms=at,
            memo=memo,
            inflight=True,
        )
        session.flush()
        return ActionResult(None, event_ids=[e.id for e in queued])
    thread, _ = threads.thread_for(session, person.id, page.id, at)
    session.flush()
    result = ActionResult(thread.psid)
    threads.record(session, thread, direction="in", kind="optin", timestamp=at, message=optin)
    event = payloads.optin_event(page.id, {"id": thread.psid}, at, optin)
    _queue(session, thread, "optin", event, at, memo, result)
    return result
