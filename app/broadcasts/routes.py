"""The broadcasts dashboard: the list, the composer with its live preview and audience counts,
and the results page with live progress. Views are thin: services do the work."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.broadcasts import bp, composer, display, results_view, services, stats
from app.broadcasts.models import Broadcast, BroadcastStatus, RecipientStatus
from app.broadcasts.services import BroadcastError
from app.core.auth import role_required
from app.core.models import Role

TABS = {
    "all": ("All", None),
    "drafts": ("Drafts", [BroadcastStatus.DRAFT]),
    "scheduled": ("Scheduled", [BroadcastStatus.SCHEDULED]),
    "active": ("Sending", [BroadcastStatus.SENDING, BroadcastStatus.PAUSED]),
    "done": ("Finished", [BroadcastStatus.COMPLETED, BroadcastStatus.CANCELLED]),
}


@bp.context_processor
def _helpers() -> dict:
    """Labels and time formatting for every broadcasts template."""
    return {"display": display, "statuses": RecipientStatus}


def _broadcast(broadcast_id: int) -> Broadcast:
    broadcast = services.get(current_user.workspace_id, broadcast_id)
    if broadcast is None:
        abort(404)
    return broadcast


@bp.get("/")
@role_required(Role.MARKETER)
def index() -> str:
    """Every broadcast of the workspace with its state and progress."""
    tab = request.args.get("tab", "all")
    tab = tab if tab in TABS else "all"
    partial = bool(request.args.get("partial"))
    # Read before the listing, so no event falls between the two; a live refresh needs none.
    last_event_id = None if partial else results_view.latest_event_id()
    rows = services.listing(current_user.workspace_id, TABS[tab][1])
    progress = stats.summaries([b.id for b in rows if b.total_recipients is not None])
    return render_template(
        "broadcasts/_list.html" if partial else "broadcasts/index.html",
        rows=[(b, progress.get(b.id)) for b in rows],
        tab=tab,
        tabs=TABS,
        last_event_id=last_event_id,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.MARKETER)
def new() -> BaseResponse | str:
    """Compose a new broadcast."""
    if request.method == "POST":
        return composer.submit(None)
    return composer.page(None)


@bp.route("/<int:broadcast_id>/edit", methods=["GET", "POST"])
@role_required(Role.MARKETER)
def edit(broadcast_id: int) -> BaseResponse | str:
    """Change a draft or scheduled broadcast."""
    broadcast = _broadcast(broadcast_id)
    if not broadcast.status.editable:
        flash("It has started sending: its content can no longer change.", "warning")
        return redirect(url_for("broadcasts.detail", broadcast_id=broadcast.id))
    if request.method == "POST":
        return composer.submit(broadcast)
    return composer.page(broadcast)


@bp.post("/preview")
@role_required(Role.MARKETER)
def preview() -> str:
    """The Messenger-like preview and every problem of the form as it stands (live)."""
    return composer.preview_part()


@bp.post("/audience")
@role_required(Role.MARKETER)
def audience_counts() -> str:
    """Who would receive it now, and who is excluded and why (live)."""
    return composer.audience_part()


@bp.get("/test-candidates")
@role_required(Role.MARKETER)
def test_candidates() -> str:
    """Subscribers of a Page whose window is open, for the test send."""
    return composer.candidates_part()


@bp.post("/files")
@role_required(Role.MARKETER)
def upload() -> Response:
    """Keep an uploaded file for a media broadcast; answers JSON."""
    return composer.upload()


@bp.get("/<int:broadcast_id>")
@role_required(Role.MARKETER)
def detail(broadcast_id: int) -> BaseResponse | str:
    """The broadcast's progress and results."""
    broadcast = _broadcast(broadcast_id)
    if broadcast.status == BroadcastStatus.DRAFT:
        return redirect(url_for("broadcasts.edit", broadcast_id=broadcast.id))
    return render_template(
        "broadcasts/detail.html",
        last_event_id=results_view.latest_event_id(),
        **results_view.results_context(broadcast),
    )


@bp.get("/<int:broadcast_id>/progress")
@role_required(Role.MARKETER)
def progress(broadcast_id: int) -> str:
    """The progress and figures alone (refreshed live)."""
    return render_template(
        "broadcasts/_progress.html", **results_view.progress_context(_broadcast(broadcast_id))
    )


@bp.get("/<int:broadcast_id>/recipients")
@role_required(Role.MARKETER)
def recipients(broadcast_id: int) -> str:
    """A page of recipients, optionally of one status."""
    broadcast = _broadcast(broadcast_id)
    status = request.args.get("status") or None
    after = request.args.get("after", 0, type=int)
    rows = stats.recipients(broadcast, status, after, results_view.RECIPIENTS_PAGE)
    return render_template(
        "broadcasts/_recipients.html",
        broadcast=broadcast,
        rows=rows,
        status=status,
        more=len(rows) == results_view.RECIPIENTS_PAGE,
        zone=broadcast.timezone,
    )


@bp.get("/<int:broadcast_id>/export.csv")
@role_required(Role.MARKETER)
def export(broadcast_id: int) -> Response:
    """Every recipient with their status, as CSV."""
    broadcast = _broadcast(broadcast_id)
    filename = f"broadcast-{broadcast.id}-recipients.csv"
    return Response(
        stream_with_context(stats.export(broadcast)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _act(broadcast_id: int, action: str) -> BaseResponse:
    broadcast = _broadcast(broadcast_id)
    actions = {
        "pause": (
            lambda b: services.pause(b, current_user.name),
            "Paused. Nothing more is sent until you resume.",
        ),
        "resume": (services.resume, "Resumed."),
        "cancel": (services.cancel, "Cancelled. Nobody else receives it."),
        "unschedule": (services.unschedule, "Back to draft: it will not be sent."),
    }
    run, message = actions[action]
    try:
        run(broadcast)
    except BroadcastError as exc:
        flash(str(exc), "warning")
    else:
        flash(message, "success")
    target = "broadcasts.edit" if broadcast.status == BroadcastStatus.DRAFT else "broadcasts.detail"
    return redirect(url_for(target, broadcast_id=broadcast.id))


@bp.post("/<int:broadcast_id>/pause")
@role_required(Role.MARKETER)
def pause(broadcast_id: int) -> BaseResponse:
    """Pause a sending broadcast after its batch in flight."""
    return _act(broadcast_id, "pause")


@bp.post("/<int:broadcast_id>/resume")
@role_required(Role.MARKETER)
def resume(broadcast_id: int) -> BaseResponse:
    """Resume a paused broadcast."""
    return _act(broadcast_id, "resume")


@bp.post("/<int:broadcast_id>/cancel")
@role_required(Role.MARKETER)
def cancel(broadcast_id: int) -> BaseResponse:
    """Cancel a broadcast that has not finished."""
    return _act(broadcast_id, "cancel")


@bp.post("/<int:broadcast_id>/unschedule")
@role_required(Role.MARKETER)
def unschedule(broadcast_id: int) -> BaseResponse:
    """Take a scheduled broadcast back to draft."""
    return _act(broadcast_id, "unschedule")


@bp.post("/<int:broadcast_id>/duplicate")
@role_required(Role.MARKETER)
def duplicate(broadcast_id: int) -> BaseResponse:
    """A new draft with the same message, audience and rules."""
    copy = services.duplicate(_broadcast(broadcast_id), current_user)
    flash("A copy is ready to edit.", "success")
    return redirect(url_for("broadcasts.edit", broadcast_id=copy.id))


@bp.get("/stream")
@role_required(Role.MARKETER)
def stream() -> Response:
    """Server-sent events of the workspace's broadcasts (the live progress bar)."""
    return results_view.event_stream()
