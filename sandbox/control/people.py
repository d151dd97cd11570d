"""Control API: what simulated people (and the Page, from Facebook's own inbox) do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from sandbox.control.common import ControlError, at_ms, body, deliver, get_or_404, sandbox, text
from sandbox.graph.send import INBOX_APP_ID
from sandbox.ids import new_mid
from sandbox.models import Page, Person, Post, Thread
from sandbox.services import comments, feed, threads
from sandbox.services.people import (
    ActionRefused,
    ActionResult,
    Inbound,
    opt_in,
    read_all,
    send_to_page,
    set_blocked,
)
from sandbox.webhooks import events, payloads

bp = Blueprint("control_people", __name__, url_prefix="/_sandbox")


def _page(session: Any, data: dict[str, Any]) -> Page:
    return get_or_404(session, Page, text(data, "page_id", required=True), "page")


def _run(action: Any) -> ActionResult:
    try:
        return action()
    except ActionRefused as exc:
        raise ControlError(409, str(exc)) from exc


@bp.post("/people/<person_id>/messages")
def person_message(person_id: str) -> Response:
    """The person messages a Page: text, quick reply, postback, m.me ``ref``, attachment, sticker.

    ``reply_to`` (a mid) marks the message as a reply; ``at`` (ISO 8601) backdates it.
    """
    data = body()
    inbound = Inbound(
        text=text(data, "text"),
        quick_reply_payload=text(data, "quick_reply_payload"),
        postback_payload=text(data, "postback_payload"),
        postback_title=text(data, "postback_title"),
        ref=text(data, "ref"),
        attachment_url=text(data, "attachment_url"),
        reply_to=text(data, "reply_to"),
        sticker_id=text(data, "sticker_id"),
    )
    if not (inbound.has_message() or inbound.postback_payload or inbound.ref):
        raise ControlError(
            400,
            "give text, quick_reply_payload, postback_payload, ref, attachment_url or sticker_id",
        )
    if inbound.sticker_id is not None and not inbound.sticker_id.isdigit():
        raise ControlError(400, "sticker_id must be numeric")
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        page = _page(session, data)
        at = at_ms(data, sb.now_ms())
        result = _run(lambda: send_to_page(session, person, page, inbound, at))
    return jsonify({"psid": result.psid, "mid": result.mid, **deliver(result.event_ids)})


@bp.post("/people/<person_id>/comments")
def person_comment(person_id: str) -> Response:
    """The person comments on a post (or replies to a comment with ``parent_id``)."""
    data = body()
    message = text(data, "message", required=True)
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        post = get_or_404(session, Post, text(data, "post_id", required=True), "post")
        at = at_ms(data, sb.now_ms())
        result = _run(
            lambda: comments.add_comment(
                session, person, post, message=message, parent_id=text(data, "parent_id"), at=at
            )
        )
    return jsonify({"comment_id": result.extra["comment_id"], **deliver(result.event_ids)})


@bp.post("/people/<person_id>/posts")
def person_post(person_id: str) -> Response:
    """The person writes a visitor post on a Page."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        page = _page(session, data)
        post, event_ids = feed.create_post(
            session,
            page,
            message=text(data, "message", required=True),
            at=at_ms(data, sb.now_ms()),
            author_person_id=person.id,
            inflight=True,
        )
    return jsonify({"post_id": post.id, **deliver(event_ids)})


@bp.post("/people/<person_id>/read")
def person_read(person_id: str) -> Response:
    """The person reads everything the Page sent so far (a ``message_reads`` event)."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        page = _page(session, data)
        at = at_ms(data, sb.now_ms())
        result = _run(lambda: read_all(session, person, page, at))
    return jsonify({"psid": result.psid, **result.extra, **deliver(result.event_ids)})


@bp.post("/people/<person_id>/optin")
def person_optin(person_id: str) -> Response:
    """The person opts in (``ref``; ``user_ref`` for the checkbox plugin)."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        page = _page(session, data)
        at = at_ms(data, sb.now_ms())
        result = opt_in(
            session, person, page, ref=text(data, "ref"), user_ref=text(data, "user_ref"), at=at
        )
    return jsonify({"psid": result.psid, **deliver(result.event_ids)})


@bp.post("/people/<person_id>/block")
def person_block(person_id: str) -> Response:
    """The person blocks the Page: sends to them then fail with 551."""
    return _set_blocked(person_id, blocked=True)


@bp.post("/people/<person_id>/unblock")
def person_unblock(person_id: str) -> Response:
    """The person unblocks the Page."""
    return _set_blocked(person_id, blocked=False)


def _set_blocked(person_id: str, *, blocked: bool) -> Response:
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        thread = set_blocked(session, person, _page(session, data), blocked, sb.now_ms())
        return jsonify({"psid": thread.psid, "blocked": blocked})


@bp.post("/pages/<page_id>/send_as_page")
def send_as_page(page_id: str) -> Response:
    """A message the Page sent from Facebook's own inbox: stored and echoed with another app_id."""
    data = body()
    psid, message_text = text(data, "psid", required=True), text(data, "text", required=True)
    sb = sandbox()
    with sb.db.write() as session:
        page = get_or_404(session, Page, page_id, "page")
        thread = session.get(Thread, psid)
        if thread is None or thread.page_id != page.id:
            raise ControlError(404, f"no thread {psid} on page {page_id}")
        if thread.blocked:
            raise ControlError(409, "this person has blocked the Page")
        now, mid = sb.now_ms(), new_mid()
        content = {"text": message_text}
        threads.record(
            session,
            thread,
            direction="out",
            timestamp=now,
            mid=mid,
            text=message_text,
            message=content,
            app_id=INBOX_APP_ID,
        )
        echo = payloads.echo_event(page.id, psid, now, mid, content, INBOX_APP_ID)
        memo: dict[Any, Any] = {}
        queued = events.enqueue_messaging(
            session, page_id=page.id, kind="echo", event=echo, time_ms=now, memo=memo, inflight=True
        )
        delivery = payloads.delivery_event(page.id, psid, [mid], now)
        events.enqueue_messaging(
            session, page_id=page.id, kind="delivery", event=delivery, time_ms=now, memo=memo
        )
        thread.delivered_watermark = now
        session.flush()
        event_ids = [e.id for e in queued]
    return jsonify({"mid": mid, **deliver(event_ids)})


@bp.post("/pages/<page_id>/posts")
def page_post(page_id: str) -> Response:
    """The Page publishes a post (from Facebook itself): ``{message, link?, at?}``."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        page = get_or_404(session, Page, page_id, "page")
        post, event_ids = feed.create_post(
            session,
            page,
            message=text(data, "message", required=True),
            link=text(data, "link"),
            at=at_ms(data, sb.now_ms()),
            inflight=True,
        )
    return jsonify({"post_id": post.id, **deliver(event_ids)})
