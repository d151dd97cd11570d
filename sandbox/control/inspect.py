"""Control API: read the sandbox's state, threads, posts, logs and webhook deliveries."""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.control.common import ControlError, get_or_404, sandbox
from sandbox.control.entities import app_json
from sandbox.models import (
    App,
    AppScopedUser,
    CallRecord,
    Message,
    Page,
    PageRole,
    PageSubscription,
    Person,
    Thread,
    User,
    Violation,
    WebhookDelivery,
    WebhookEvent,
    WebhookHealth,
)
from sandbox.services import feed, threads
from sandbox.webhooks.health import health_json

bp = Blueprint("control_inspect", __name__, url_prefix="/_sandbox")
MAX_ROWS = 10000


@bp.get("/pages/<page_id>/threads/<psid>")
def thread(page_id: str, psid: str) -> Response:
    """Return a thread's items, oldest first."""
    with sandbox().db.read() as session:
        row = session.get(Thread, psid)
        if row is None or row.page_id != page_id:
            raise ControlError(404, f"no thread {psid} on page {page_id}")
        items = session.scalars(
            select(Message).where(Message.psid == psid).order_by(Message.timestamp, Message.id)
        ).all()
        return jsonify(
            {
                "psid": psid,
                "person_id": row.person_id,
                "blocked": row.blocked,
                "last_inbound_at": row.last_inbound_at,
                "read_watermark": row.read_watermark,
                "delivered_watermark": row.delivered_watermark,
                "messages": [threads.item_json(item) for item in items],
            }
        )


@bp.get("/pages/<page_id>/posts")
def posts(page_id: str) -> Response:
    """Return the Page's posts with comments, replies, hidden state and private replies.

    Scheduled and unpublished posts are included; scheduled ones that came due are published first.
    """
    sb = sandbox()
    now = sb.now_ms()
    with sb.db.read() as session:
        due = feed.has_due(session, now, page_id)
    if due:  # the simulator polls this: take the write lock only when there is work
        with sb.db.write() as session:
            feed.publish_due(session, now, page_id)
        sb.dispatcher.notify()
    with sb.db.read() as session:
        page = get_or_404(session, Page, page_id, "page")
        return jsonify({"posts": feed.posts_with_comments(session, page, now)})


def _since_query(model: Any) -> Any:
    query = select(model).order_by(model.id).limit(MAX_ROWS)
    since = request.args.get("since")
    if since:
        if not since.isdigit():
            raise ControlError(400, "since must be a row id")
        query = query.where(model.id > int(since))
    if request.args.get("page_id"):
        query = query.where(model.page_id == request.args["page_id"])
    return query


@bp.get("/calls")
def calls() -> Response:
    """Every Graph call (``?since=<id>&page_id=``)."""
    sb = sandbox()
    sb.flush_logs()
    with sb.db.read() as session:
        rows = session.scalars(_since_query(CallRecord)).all()
        return jsonify(
            {
                "calls": [
                    {
                        "id": r.id,
                        "method": r.method,
                        "path": r.path,
                        "status": r.status,
                        "error_code": r.error_code,
                        "error_subcode": r.error_subcode,
                        "page_id": r.page_id,
                        "app_id": r.app_id,
                        "batch": r.batch,
                        "time": r.created_at,
                        "duration_ms": r.duration_ms,
                    }
                    for r in rows
                ]
            }
        )


@bp.get("/violations")
def violations() -> Response:
    """Every call refused by a messaging rule (``?since=<id>&page_id=``)."""
    sb = sandbox()
    sb.flush_logs()
    with sb.db.read() as session:
        rows = session.scalars(_since_query(Violation)).all()
        return jsonify(
            {
                "violations": [
                    {
                        "id": r.id,
                        "rule": r.rule,
                        "page_id": r.page_id,
                        "recipient": r.recipient,
                        "messaging_type": r.messaging_type,
                        "tag": r.tag,
                        "code": r.code,
                        "subcode": r.subcode,
                        "message": r.message,
                        "time": r.created_at,
                    }
                    for r in rows
                ]
            }
        )


@bp.get("/webhooks")
def webhooks() -> Response:
    """Every webhook delivery attempt, and the events still queued (``?since=<id>``)."""
    with sandbox().db.read() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id).limit(MAX_ROWS)
        if request.args.get("since", "").isdigit():
            query = query.where(WebhookDelivery.id > int(request.args["since"]))
        rows = session.scalars(query).all()
        pending = session.scalars(
            select(WebhookEvent).where(WebhookEvent.state.in_(("pending", "inflight")))
        ).all()
        apps = session.scalars(select(App.id).order_by(App.created_at)).all()
        return jsonify(
            {
                "health": {a: health_json(session.get(WebhookHealth, a)) for a in apps},
                "webhooks": [_delivery_json(r) for r in rows],
                "pending": [
                    {
                        "id": e.id,
                        "app_id": e.app_id,
                        "field": e.field,
                        "attempts": e.attempts,
                        "state": e.state,
                        "available_at": e.available_at,
                    }
                    for e in pending
                ],
            }
        )


def _delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "app_id": row.app_id,
        "url": row.url,
        "event_ids": row.event_ids,
        "fields": row.fields,
        "attempts": row.attempts,
        "attempt": max(row.attempts) if row.attempts else 0,
        "status": row.result,
        "status_code": row.status_code,
        "duplicate": row.duplicate,
        "body": row.body,
        "time": row.created_at,
        "duration_ms": row.duration_ms,
    }


@bp.get("/state")
def state() -> Response:
    """A summary of apps, users, Pages and people, for the simulator and tests."""
    with sandbox().db.read() as session:
        return jsonify(state_summary(session))


def state_summary(session: Session) -> dict[str, Any]:
    """Return apps (with webhook health), users, Pages and people, as ``/_sandbox/state`` does."""
    roles = session.scalars(select(PageRole).order_by(PageRole.id)).all()
    subs = session.scalars(select(PageSubscription)).all()
    all_threads = session.scalars(select(Thread)).all()
    return {
        "apps": [
            {**app_json(a), "webhook_health": health_json(session.get(WebhookHealth, a.id))}
            for a in session.scalars(select(App).order_by(App.created_at))
        ],
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "page_ids": [r.page_id for r in roles if r.user_id == u.id],
            }
            for u in session.scalars(select(User).order_by(User.created_at, User.id))
        ],
        "pages": [
            {
                "id": p.id,
                "name": p.name,
                "username": p.username,
                "category": p.category,
                "admins": [
                    {"user_id": r.user_id, "tasks": r.tasks} for r in roles if r.page_id == p.id
                ],
                "subscriptions": [
                    {"app_id": s.app_id, "fields": s.fields} for s in subs if s.page_id == p.id
                ],
            }
            for p in session.scalars(select(Page).order_by(Page.created_at, Page.id))
        ],
        "people": [
            {
                "id": person.id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "phone_number": person.phone_number,
                "locale": person.locale,
                "threads": [
                    {
                        "page_id": t.page_id,
                        "psid": t.psid,
                        "blocked": t.blocked,
                        "last_inbound_at": t.last_inbound_at,
                    }
                    for t in all_threads
                    if t.person_id == person.id
                ],
            }
            for person in session.scalars(select(Person).order_by(Person.created_at, Person.id))
        ],
    }


@bp.get("/avatars/<object_id>.svg")
def avatar(object_id: str) -> Response:
    """A generated avatar (initials on a colour) for a person, PSID, user or Page."""
    with sandbox().db.read() as session:
        name = _display_name(session, object_id)
    if name is None:
        raise ControlError(404, f"no person, user or page {object_id}")
    initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
    hue = int(hashlib.sha256(object_id.encode()).hexdigest()[:4], 16) % 360
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" fill="hsl({hue},55%,50%)"/>'
        '<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="sans-serif" '
        f'font-size="40" fill="#fff">{escape(initials)}</text></svg>'
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "max-age=3600"})


def _display_name(session: Session, object_id: str) -> str | None:
    thread = session.get(Thread, object_id)
    person = session.get(Person, thread.person_id if thread else object_id)
    if person is not None:
        return person.name
    scoped = session.get(AppScopedUser, object_id)
    user = session.get(User, scoped.user_id if scoped else object_id)
    if user is not None:
        return user.name
    page = session.get(Page, object_id)
    return page.name if page else None
