"""What the dashboard's views render: the composer (with its live parts) and the results page."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.broadcasts import audience, display, forms, media, render, services
from app.broadcasts import content as composed
from app.broadcasts.models import Broadcast, BroadcastStatus
from app.broadcasts.personalize import Values, values_for
from app.broadcasts.services import BroadcastError, Draft
from app.core import content as limits
from app.core import policy
from app.core.auth import visible_pages
from app.core.db import parse_id, utcnow
from app.core.subscribers import edits, saved
from app.core.subscribers.models import SOURCE_LABELS, Subscriber
from app.extensions import db

SAMPLE = Values(first_name="Alex", last_name="Rivera", name="Alex Rivera")
# What Meta allows under each update tag, in the words marketers need before choosing one.
TAG_GUIDANCE = {
    "CONFIRMED_EVENT_UPDATE": "Allowed: a reminder, a change of time or place, a cancellation. "
    "Not allowed: inviting people to events they did not register for, or promoting new ones.",
    "POST_PURCHASE_UPDATE": "Allowed: order confirmations, receipts, shipping and delivery "
    "news, refunds. Not allowed: cross-selling, discounts or other products.",
    "ACCOUNT_UPDATE": "Allowed: an application approved or declined, a password or login "
    "change, suspicious activity. Not allowed: recurring newsletters, offers or reminders.",
}


def _pages() -> list:
    return visible_pages(current_user)


def _delivery_of(broadcast: Broadcast | None) -> dict[str, str]:
    zone = broadcast.timezone if broadcast else (current_user.workspace.timezone or "UTC")
    scheduled = broadcast is not None and broadcast.status == BroadcastStatus.SCHEDULED
    return {
        "mode": "later" if scheduled else "now",
        "send_at": display.local_input(broadcast.scheduled_at if scheduled else None, zone),
        "timezone": zone,
    }


def _delivery_posted() -> dict[str, str]:
    form = request.form
    return {
        "mode": "later" if form.get("delivery") == "later" else "now",
        "send_at": form.get("send_at", ""),
        "timezone": form.get("timezone", "UTC"),
    }


def _stored_draft(broadcast: Broadcast) -> Draft:
    return Draft(
        broadcast.page_id,
        broadcast.name,
        broadcast.message,
        broadcast.audience,
        broadcast.intent.value,
        broadcast.tag,
    )


def _context(
    broadcast: Broadcast | None,
    draft: Draft,
    audience_input: forms.AudienceInput,
    delivery: dict[str, str],
    problems: list[str] | None = None,
) -> dict[str, Any]:
    pages = _pages()
    page_id = draft.page_id or (pages[0].id if pages else None)
    workspace_id = current_user.workspace_id
    page = next((item for item in pages if item.id == page_id), None)
    return {
        "people": services.candidates_for_test(page) if page is not None else [],
        "broadcast": broadcast,
        "draft": draft,
        "page_id": page_id,
        "content": composed.normalize(draft.content),
        "aud": audience_input,
        "delivery": delivery,
        "problems": problems or [],
        "pages": pages,
        "segments": saved.segments(workspace_id),
        "known_tags": edits.known_tags(workspace_id),
        "known_fields": edits.known_fields(workspace_id),
        "update_tags": policy.UPDATE_TAGS,
        "tag_guidance": TAG_GUIDANCE,
        "windows": forms.WINDOWS,
        "source_labels": SOURCE_LABELS,
        "zones": display.zone_names(),
        "limits": limits,
        "media_file": _media_file(draft.content),
    }


def _media_file(content: dict[str, Any]) -> Any:
    file_id = (content.get("media") or {}).get("file_id")
    return media.get_file(current_user.workspace_id, int(file_id)) if file_id else None


def page(broadcast: Broadcast | None) -> str:
    """The composer, empty or with a stored broadcast."""
    if broadcast is None:
        draft = Draft(request.args.get("page_id", type=int), "", {"kind": "text"}, {})
        return render_template(
            "broadcasts/compose.html",
            **_context(None, draft, forms.AudienceInput(), _delivery_of(None)),
        )
    context = _context(
        broadcast,
        _stored_draft(broadcast),
        forms.audience_input(broadcast),
        _delivery_of(broadcast),
    )
    return render_template("broadcasts/compose.html", **context)


def _again(
    broadcast: Broadcast | None,
    draft: Draft,
    audience_input: forms.AudienceInput,
    problems: list[str],
) -> tuple[str, int]:
    context = _context(broadcast, draft, audience_input, _delivery_posted(), problems)
    return render_template("broadcasts/compose.html", **context), 422


def _when() -> tuple[Any, str]:
    delivery = _delivery_posted()
    if delivery["mode"] == "now":
        return None, delivery["timezone"]
    at = display.parse_local(delivery["send_at"], delivery["timezone"])
    if at <= utcnow():
        raise display.TimeError("That time has passed: choose a later one, or send now.")
    return at, delivery["timezone"]


def _send(broadcast: Broadcast) -> BaseResponse:
    try:
        at, zone = _when()
        services.schedule(broadcast, at, zone)
    except (display.TimeError, BroadcastError) as exc:
        flash(str(exc), "warning")
        return redirect(url_for("broadcasts.edit", broadcast_id=broadcast.id))
    if at is None:
        flash("Sending now. The progress below updates live.", "success")
    else:
        flash(f"Scheduled for {display.when(at, zone)}.", "success")
    return redirect(url_for("broadcasts.detail", broadcast_id=broadcast.id))


def _test(broadcast: Broadcast) -> BaseResponse:
    raw = request.form.get("test_subscriber_id", "")
    try:
        subscriber_id = parse_id(raw)
        if subscriber_id is None:
            raise BroadcastError("Choose who receives the test.")
        message = services.send_test(broadcast, subscriber_id, current_user)
    except (BroadcastError, limits.ContentError) as exc:
        flash(f"Test not sent: {exc}", "warning")
    else:
        flash(f"Test sent to {message.subscriber.display_name}. Check their Messenger.", "success")
    return redirect(url_for("broadcasts.edit", broadcast_id=broadcast.id, test=raw))


def submit(broadcast: Broadcast | None) -> BaseResponse | str | tuple[str, int]:
    """Save the posted composer, then send a test, send/schedule it, or just keep the draft."""
    audience_input = forms.audience_from(request.form)
    draft = forms.draft_from(request.form, audience_input)
    if audience_input.errors:
        return _again(broadcast, draft, audience_input, audience_input.errors)
    try:
        if broadcast is None:
            broadcast = services.create(current_user.workspace_id, current_user, draft)
        else:
            services.change(broadcast, draft)
    except BroadcastError as exc:
        return _again(broadcast, draft, audience_input, exc.problems)
    action = request.form.get("action", "save")
    if action == "test":
        return _test(broadcast)
    if action == "send":
        return _send(broadcast)
    flash("Draft saved.", "success")
    return redirect(url_for("broadcasts.edit", broadcast_id=broadcast.id))


def _sample_values(page_id: int | None) -> tuple[Values, str]:
    """The chosen test subscriber's values: only one of this workspace's, on the chosen Page."""
    number = parse_id(request.form.get("test_subscriber_id"))
    subscriber = db.session.get(Subscriber, number) if number is not None else None
    if (
        subscriber is not None
        and subscriber.page_id == page_id
        and subscriber.workspace_id == current_user.workspace_id
    ):
        return values_for(subscriber), subscriber.display_name
    return SAMPLE, ""


def preview_message(content: dict[str, Any], values: Values) -> dict[str, Any]:
    """The message as a recipient would see it (links shown as typed, not tracked)."""
    payload: dict[str, Any] = {}
    if content.get("kind") == "media":
        url = media.source_url(current_user.workspace_id, content.get("media") or {})
        payload = {"url": url} if url else {}
    target = render.Target(0, "", track=False, media_payload=payload)
    return render.message(content, values, target)


def preview_part() -> str:
    """The live preview and the problems of the posted composer."""
    audience_input = forms.audience_from(request.form)
    draft = forms.draft_from(request.form, audience_input)
    content = composed.normalize(draft.content)
    values, person = _sample_values(draft.page_id)
    pages = {page.id: page for page in _pages()}
    return render_template(
        "broadcasts/_preview.html",
        message=preview_message(content, values),
        page=pages.get(draft.page_id or 0),
        person=person,
        problems=composed.problems(content),
        live=True,
    )


def audience_part() -> str:
    """The audience counts of the posted composer."""
    audience_input = forms.audience_from(request.form)
    draft = forms.draft_from(request.form, audience_input)
    counts = (
        None if audience_input.errors else services.preview_counts(draft, current_user.workspace_id)
    )
    return render_template(
        "broadcasts/_audience.html",
        counts=counts,
        draft=draft,
        labels=audience.EXCLUSION_LABELS,
        errors=audience_input.errors,
    )


def candidates_part() -> str:
    """The test-send picker for a Page."""
    pages = {page.id: page for page in _pages()}
    page_ = pages.get(request.args.get("page_id", 0, type=int))
    people = services.candidates_for_test(page_, request.args.get("q", "")) if page_ else []
    return render_template(
        "broadcasts/_candidates.html",
        people=people,
        page=page_,
        selected=request.args.get("test", ""),
    )


def upload() -> Response:
    """Store an uploaded media file; JSON with its id and public URL."""
    file = request.files.get("file")
    if file is None:
        return jsonify({"error": "Choose a file."}), 400  # type: ignore[return-value]
    try:
        row = media.store_file(
            current_user.workspace_id, file.filename or "", file.mimetype, file.read()
        )
    except media.MediaError as exc:
        return jsonify({"error": str(exc)}), 422  # type: ignore[return-value]
    return jsonify(
        {
            "id": row.id,
            "name": row.filename,
            "url": media.file_url(row),
            "media_type": media.media_type_of(row.content_type),
        }
    )
