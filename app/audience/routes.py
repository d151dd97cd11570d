"""The subscribers list (filters, bulk tagging, CSV export) and each subscriber's page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from app.audience import bp, export, profile, services, timeline
from app.audience.context import filter_options, or_404, resolve_request, workspace_id, zone
from app.audience.filters import SOURCE_LABELS, describe
from app.core.auth import role_required
from app.core.db import parse_id, utcnow
from app.core.messages import log
from app.core.models import Role
from app.core.policy import settings_for
from app.core.subscribers import edits


def _list_url(query_string: str) -> str:
    base = url_for("audience.subscribers")
    return f"{base}?{query_string}" if query_string else base


@bp.get("/subscribers/")
@role_required(Role.MARKETER)
def subscribers() -> str:
    """Subscribers matching the filter in the query string, a page at a time."""
    resolved = resolve_request()
    sort = request.args.get("sort", "active")
    sort = sort if sort in services.SORTS else "active"
    listing = services.listing(
        workspace_id(),
        resolved.filter,
        page=request.args.get("p", 1, type=int),
        per_page=request.args.get("per", 50, type=int),
        sort=sort,
    )
    options = filter_options(resolved.form)

    def list_url(**changes: object) -> str:
        """This list with another page, sort or page size (a new sort or size starts at 1)."""
        state = {"sort": sort, "per": listing.per_page, "p": listing.page, **changes}
        if "p" not in changes:
            state["p"] = 1
        pairs = [*resolved.args(), ("sort", state["sort"]), ("per", state["per"])]
        pairs += [("p", state["p"])] if state["p"] != 1 else []
        return _list_url(urlencode(pairs))

    return render_template(
        "audience/list.html",
        resolved=resolved,
        form=resolved.form,
        listing=listing,
        options=options,
        phrases=describe(resolved.form, options.page_names),
        sort=sort,
        sorts=services.SORTS,
        per_page_choices=services.PER_PAGE_CHOICES,
        list_url=list_url,
    )


@bp.get("/subscribers/export.csv")
@role_required(Role.MARKETER)
def subscribers_export() -> BaseResponse:
    """Every subscriber of the filter as CSV, streamed row by row."""
    resolved = resolve_request()
    if resolved.form.errors:
        flash("Fix the filter before exporting: " + " ".join(resolved.form.errors), "danger")
        return redirect(_list_url(resolved.query_string()))
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    name = f"subscribers-{stamp}.csv"
    if resolved.segment is not None:
        name = f"segment-{resolved.segment.id}-{stamp}.csv"
    lines = export.csv_lines(workspace_id(), resolved.filter)
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/subscribers/bulk")
@role_required(Role.MARKETER)
def subscribers_bulk() -> BaseResponse:
    """Add or remove tags on the chosen rows, or on everyone the filter matches."""
    args = MultiDict(parse_qsl(request.form.get("filter", ""), keep_blank_values=True))
    resolved = or_404(services.resolve, workspace_id(), args, zone())
    back = redirect(_list_url(request.form.get("filter", "")))
    if resolved.form.errors:
        flash("Fix the filter first: " + " ".join(resolved.form.errors), "danger")
        return back
    only = None
    if request.form.get("scope") != "all":
        only = [n for n in map(parse_id, request.form.getlist("ids")) if n is not None]
        if not only:
            flash("Tick the subscribers to change, or choose “everyone matching”.", "warning")
            return back
    add = request.form.get("action") != "remove"
    tags = [part for part in request.form.get("tags", "").split(",") if part.strip()]
    try:
        count = services.bulk_tags(workspace_id(), resolved.filter, add=add, tags=tags, only=only)
    except edits.EditError as exc:
        flash(str(exc), "danger")
        return back
    listed = ", ".join(edits.clean_tag(tag) for tag in tags)
    people = f"{count} subscriber{'s' if count != 1 else ''}"
    if add:
        flash(f"Tagged {people} with {listed}.", "success")
    else:
        flash(f"Removed {listed} from {people}.", "success")
    return back


@bp.get("/subscribers/<int:subscriber_id>")
@role_required(Role.MARKETER)
def subscriber(subscriber_id: int) -> str:
    """One subscriber: profile, messaging window, tags, custom fields and the conversation."""
    person = or_404(profile.subscriber_or_404, workspace_id(), subscriber_id)
    now = utcnow()
    window = timeline.explain_window(person, zone(), settings_for(current_user.workspace), now)
    entries = [timeline.entry(message) for message in log.last_messages(person.id)]
    return render_template(
        "audience/subscriber.html",
        person=person,
        window=window,
        entries=entries,
        known_tags=edits.known_tags(workspace_id()),
        known_fields=edits.known_fields(workspace_id()),
        source_label=SOURCE_LABELS.get(person.source.value, person.source.value),
    )


def _back_to(subscriber_id: int, anchor: str) -> BaseResponse:
    return redirect(url_for("audience.subscriber", subscriber_id=subscriber_id, _anchor=anchor))


@bp.post("/subscribers/<int:subscriber_id>/tags")
@role_required(Role.MARKETER)
def subscriber_tag(subscriber_id: int) -> BaseResponse:
    """Add tags to one subscriber."""
    person = or_404(profile.subscriber_or_404, workspace_id(), subscriber_id)
    try:
        tags = profile.add_tags(person, request.form.get("tags", ""))
    except edits.EditError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Tagged {person.display_name} with {', '.join(tags)}.", "success")
    return _back_to(person.id, "tags")


@bp.post("/subscribers/<int:subscriber_id>/tags/remove")
@role_required(Role.MARKETER)
def subscriber_untag(subscriber_id: int) -> BaseResponse:
    """Remove one tag from one subscriber."""
    person = or_404(profile.subscriber_or_404, workspace_id(), subscriber_id)
    try:
        profile.remove_tag(person, request.form.get("tag", ""))
    except edits.EditError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Removed “{request.form.get('tag', '').strip()}”.", "success")
    return _back_to(person.id, "tags")


@bp.post("/subscribers/<int:subscriber_id>/fields")
@role_required(Role.MARKETER)
def subscriber_fields(subscriber_id: int) -> BaseResponse:
    """Change custom fields; an emptied value removes its field."""
    person = or_404(profile.subscriber_or_404, workspace_id(), subscriber_id)
    if request.form.get("new_name", "").strip() and not request.form.get("new_value", "").strip():
        flash("Give the new field a value.", "danger")
        return _back_to(person.id, "fields")
    try:
        profile.set_fields(person, dict(profile.field_values_from(request.form)))
    except edits.EditError as exc:
        flash(str(exc), "danger")
    else:
        flash("Custom fields saved.", "success")
    return _back_to(person.id, "fields")
