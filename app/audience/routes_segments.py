"""Saved segments: the list with live counts; create and edit with a preview; delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from app.audience import bp, services
from app.audience.context import filter_options, or_404, workspace_id, zone
from app.audience.filters import SUBMITTED, FilterInput, describe, form_for, parse
from app.core.auth import role_required, visible_pages
from app.core.models import Role
from app.core.subscribers import saved, segments
from app.core.subscribers.segments import Segment, SegmentFilter

PREVIEW_SIZE = 20


@bp.get("/subscribers/segments")
@role_required(Role.MARKETER)
def segments_index() -> str:
    """The workspace's saved segments, each with how many subscribers it holds now."""
    names = {page.id: page.name for page in visible_pages(current_user, include_disconnected=True)}
    summaries = services.segment_summaries(workspace_id(), zone())
    rows = [(item, describe(item.form, names) if item.form else None) for item in summaries]
    return render_template("audience/segments.html", rows=rows)


def _editor(
    segment: Segment | None,
    name: str,
    segment_filter: SegmentFilter,
    form: FilterInput,
    *,
    changed: bool = False,
) -> str:
    """The create/edit page, with the preview of the filter as it stands."""
    preview = None
    if not form.errors:
        preview = (
            segments.count(workspace_id(), segment_filter),
            segments.preview(workspace_id(), segment_filter, PREVIEW_SIZE),
        )
    return render_template(
        "audience/segment_form.html",
        segment=segment,
        name=name,
        form=form,
        options=filter_options(form),
        preview=preview,
        changed=changed,
    )


def _submit(segment: Segment | None, values: MultiDict[str, str]) -> BaseResponse | str:
    """Preview or save the posted form."""
    segment_filter, form = parse(values, zone())
    name = values.get("name", "").strip()
    if values.get("action") != "save" or form.errors:
        return _editor(segment, name, segment_filter, form)
    if values.get("previewed") != form.query_string():
        # Saving needs a look at who the segment holds: show the preview of this exact filter.
        return _editor(segment, name, segment_filter, form, changed=True)
    try:
        stored = saved.save(workspace_id(), name, segment_filter, segment)
    except (saved.SegmentError, ValueError) as exc:
        form.errors.append(str(exc))
        return _editor(segment, name, segment_filter, form)
    flash(f"Segment “{stored.name}” saved.", "success")
    return redirect(url_for("audience.subscribers", segment=stored.id))


@bp.route("/subscribers/segments/new", methods=["GET", "POST"])
@role_required(Role.MARKETER)
def segment_new() -> BaseResponse | str:
    """A new segment, starting from the filter in the query string (the list's "Save as")."""
    if request.method == "POST":
        return _submit(None, request.form)
    segment_filter, form = parse(request.args, zone())
    return _editor(None, request.args.get("name", ""), segment_filter, form)


@bp.route("/subscribers/segments/<int:segment_id>/edit", methods=["GET", "POST"])
@role_required(Role.MARKETER)
def segment_edit(segment_id: int) -> BaseResponse | str:
    """Change a segment's name or filter; the list's "Update segment" arrives with a new filter."""
    segment = or_404(services.segment_or_404, workspace_id(), segment_id)
    if request.method == "POST":
        return _submit(segment, request.form)
    if SUBMITTED in request.args:
        segment_filter, form = parse(request.args, zone())
        return _editor(segment, segment.name, segment_filter, form)
    try:
        segment_filter = segment.filter
    except (ValueError, TypeError) as exc:
        form = FilterInput(errors=[f"The saved filter cannot be read ({exc}); set it again."])
        return _editor(segment, segment.name, SegmentFilter(), form)
    return _editor(segment, segment.name, segment_filter, form_for(segment_filter, zone()))


@bp.post("/subscribers/segments/<int:segment_id>/delete")
@role_required(Role.MARKETER)
def segment_delete(segment_id: int) -> BaseResponse:
    """Delete a saved segment (its subscribers are untouched)."""
    segment = or_404(services.segment_or_404, workspace_id(), segment_id)
    name = segment.name
    saved.remove(segment)
    flash(f"Segment “{name}” deleted. Its subscribers are unchanged.", "success")
    return redirect(url_for("audience.segments_index"))
