"""The people simulator: a browser page where a simulated person chats with a Page, comments on
its posts, opens m.me links and clicks ads; plus the sandbox's overview page.

``/m.me/{username-or-page-id}?ref=...`` opens the simulator on that thread: point Herald's
``https://m.me/...`` links at ``{sandbox}/m.me/...`` to follow them offline. The page polls
``/_sandbox/simulator/thread`` every second; every action goes through the control API.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.control.common import ControlError, get_or_404, sandbox
from sandbox.control.inspect import state_summary
from sandbox.models import Message, MessageAttachment, Page, Person, Thread
from sandbox.services import threads

bp = Blueprint("control_simulator", __name__, url_prefix="/_sandbox")
mme_bp = Blueprint("mme", __name__)
TYPING_TIMEOUT_MS = 20_000  # Messenger drops a typing indicator after 20 seconds
WINDOW_MS = 24 * 3600 * 1000


@bp.get("/")
def index() -> str:
    """The sandbox's overview: apps and their webhook health, Pages, people, useful links."""
    with sandbox().db.read() as session:
        summary = state_summary(session)
    return render_template("sandbox/index.html", state=summary)


@bp.get("/simulator")
def simulator() -> str:
    """The people simulator."""
    with sandbox().db.read() as session:
        people = session.scalars(select(Person).order_by(Person.created_at, Person.id)).all()
        pages = session.scalars(select(Page).order_by(Page.created_at, Page.id)).all()
        return render_template(
            "sandbox/simulator.html",
            people=[{"id": p.id, "name": p.name} for p in people],
            pages=[{"id": p.id, "name": p.name, "username": p.username} for p in pages],
        )


@bp.get("/simulator/thread")
def thread_state() -> Response:
    """What the person sees of their conversation with the Page (polled by the simulator)."""
    sb = sandbox()
    now = sb.now_ms()
    with sb.db.read() as session:
        person = get_or_404(session, Person, request.args.get("person_id", ""), "person")
        page = get_or_404(session, Page, request.args.get("page_id", ""), "page")
        thread = threads.find_thread(session, person.id, page.id)
        return _json(
            {
                "now": now,
                "person": {
                    "id": person.id,
                    "name": person.name,
                    "locale": person.locale,
                    "phone_number": person.phone_number,
                    # People have no email in the sandbox; quick replies asking for one get this.
                    "email": f"{person.first_name}.{person.last_name}@example.com".lower(),
                },
                "page": _page_json(page, person),
                "thread": _thread_json(session, thread, now) if thread else None,
            }
        )


def _json(data: dict[str, Any]) -> Response:
    # Stable, compact text: the simulator compares answers to skip needless redraws.
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return Response(text, mimetype="application/json", headers={"Cache-Control": "no-store"})


def _personal(text: str, person: Person) -> str:
    """Fill Messenger's greeting placeholders, as the person would see them."""
    return (
        text.replace("{{user_first_name}}", person.first_name)
        .replace("{{user_last_name}}", person.last_name)
        .replace("{{user_full_name}}", person.name)
    )


def _for_locale(items: list[dict[str, Any]], locale: str) -> dict[str, Any] | None:
    by_locale = {item.get("locale"): item for item in items if isinstance(item, dict)}
    return by_locale.get(locale) or by_locale.get("default")


def _page_json(page: Page, person: Person) -> dict[str, Any]:
    profile = page.messenger_profile or {}
    greeting = _for_locale(profile.get("greeting") or [], person.locale)
    menu = _for_locale(profile.get("persistent_menu") or [], person.locale)
    ice = profile.get("ice_breakers") or []
    if ice and isinstance(ice[0], dict) and "call_to_actions" in ice[0]:
        ice = (_for_locale(ice, person.locale) or {}).get("call_to_actions") or []
    return {
        "id": page.id,
        "name": page.name,
        "username": page.username,
        "avatar": f"/_sandbox/avatars/{page.id}.svg",
        "get_started": (profile.get("get_started") or {}).get("payload"),
        "greeting": _personal(greeting["text"], person) if greeting else None,
        "ice_breakers": ice,
        "menu": (menu or {}).get("call_to_actions") or [],
    }


def _thread_json(session: Session, thread: Thread, now: int) -> dict[str, Any]:
    items = session.scalars(
        select(Message).where(Message.psid == thread.psid).order_by(Message.timestamp, Message.id)
    ).all()
    actions = [m for m in items if m.kind == "action"]
    last_out = max(
        (m.timestamp for m in items if m.direction == "out" and m.kind == "message"), default=0
    )
    typing_on = max((m.timestamp for m in actions if m.sender_action == "typing_on"), default=0)
    typing_off = max((m.timestamp for m in actions if m.sender_action == "typing_off"), default=0)
    # The Page has seen what came before its last mark_seen or its last reply, in thread order.
    looked = [
        m
        for m in items
        if m.sender_action == "mark_seen" or (m.direction == "out" and m.kind == "message")
    ]
    window_ends = thread.last_inbound_at + WINDOW_MS if thread.last_inbound_at else None
    return {
        "psid": thread.psid,
        "blocked": thread.blocked,
        "typing": typing_on > max(typing_off, last_out) and now - typing_on < TYPING_TIMEOUT_MS,
        "page_seen": [looked[-1].timestamp, looked[-1].id] if looked else None,
        "read_watermark": thread.read_watermark,
        "delivered_watermark": thread.delivered_watermark,
        "window_ends_at": window_ends if window_ends and window_ends > now else None,
        "items": [_item(session, m) for m in items if m.kind != "action"],
    }


def _item(session: Session, item: Message) -> dict[str, Any]:
    """A thread item; an uploaded attachment (``attachment_id``) is shown by its URL."""
    data = {"id": item.id, **threads.item_json(item)}
    content = item.message or {}
    attachment = content.get("attachment") or {}
    payload = attachment.get("payload") or {}
    if payload.get("attachment_id") and not payload.get("url"):
        row = session.get(MessageAttachment, str(payload["attachment_id"]))
        filled = {**payload, "url": row.url if row else None}
        data["message"] = {**content, "attachment": {**attachment, "payload": filled}}
    return data


@mme_bp.get("/m.me/<ident>")
def mme(ident: str) -> Response:
    """An m.me link: open the simulator on the Page's thread, passing ``ref`` and ``text`` on."""
    with sandbox().db.read() as session:
        page = session.scalar(select(Page).where(Page.username == ident))
        if page is None and ident.isdigit():
            page = session.get(Page, ident)
        if page is None:
            raise ControlError(404, f"no Page with username or id {ident}")
        query = {"page_id": page.id, "mme": "1"}
    for name in ("ref", "text"):
        if request.args.get(name):
            query[name] = request.args[name]
    return redirect(f"/_sandbox/simulator?{urlencode(query)}")
