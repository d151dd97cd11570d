"""The App Review kit: what Meta's reviewers need, generated from the permission registry."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import bp, forms, review
from app.core.auth import role_required
from app.core.models import Role
from app.extensions import db


@bp.get("/app-review")
@role_required(Role.ADMIN)
def app_review() -> str:
    """The submission text and test steps for every permission this Herald requests."""
    form = forms.DevelopmentModeForm(
        enabled=current_user.workspace.setting("app_in_development_mode")
    )
    return render_template("accounts/app_review.html", kit=review.build_kit(), form=form)


@bp.post("/app-review/development-mode")
@role_required(Role.ADMIN)
def development_mode() -> Response:
    """Record whether the Meta app is still in development mode (a warning then shows)."""
    form = forms.DevelopmentModeForm()
    if form.validate_on_submit():
        workspace = current_user.workspace
        workspace.settings = {
            **(workspace.settings or {}),
            "app_in_development_mode": form.enabled.data,
        }
        db.session.commit()
        flash("Saved.", "success")
    return redirect(url_for("accounts.app_review"))
