"""Canned responses and live chat settings pages."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.auth import role_required
from app.core.models import Role
from app.livechat import bp, canned
from app.livechat.canned import CannedError


@bp.get("/canned")
@login_required
def canned_page() -> str:
    """Saved answers operators insert with "/shortcut"."""
    return render_template(
        "livechat/canned.html", responses=canned.responses(current_user.workspace_id)
    )


@bp.get("/canned.json")
@login_required
def canned_json() -> Response:
    """The canned responses, for the reply box's shortcut menu."""
    rows = canned.responses(current_user.workspace_id)
    return jsonify([{"shortcut": row.shortcut, "text": row.text} for row in rows])


@bp.post("/canned")
@login_required
def canned_save() -> Response:
    """Create or replace a canned response."""
    try:
        canned.save(
            current_user.workspace_id,
            request.form.get("shortcut", ""),
            request.form.get("text", ""),
        )
    except CannedError as exc:
        flash(str(exc), "danger")
    else:
        flash("Saved.", "success")
    return redirect(url_for("livechat.canned_page"))


@bp.post("/canned/<int:response_id>/delete")
@login_required
def canned_delete(response_id: int) -> Response:
    """Delete a canned response."""
    canned.delete(current_user.workspace_id, response_id)
    flash("Deleted.", "success")
    return redirect(url_for("livechat.canned_page"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings() -> Response | str:
    """How many Human Agent replies, and how long automation waits for operators."""
    workspace = current_user.workspace
    if request.method == "POST":
        try:
            canned.update_settings(
                workspace,
                request.form.get("human_agent_replies", type=int) or 0,
                request.form.get("operator_hold_minutes", type=int, default=-1),
            )
        except CannedError as exc:
            flash(str(exc), "danger")
        else:
            flash("Live chat settings saved.", "success")
        return redirect(url_for("livechat.settings"))
    return render_template("livechat/settings.html", workspace=workspace)
