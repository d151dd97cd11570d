"""The signed-in person's own account: name, password, email confirmation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts import bp, forms, services
from app.accounts.services import AccountError
from app.extensions import limiter


@bp.get("/account", endpoint="profile")
@login_required
def profile_page() -> str:
    """Your name, email and password."""
    return _render(forms.ProfileForm(obj=current_user), forms.ChangePasswordForm())


@bp.post("/account/profile", endpoint="update_profile")
@login_required
def update_profile() -> Response | str:
    """Save your name."""
    form = forms.ProfileForm()
    if not form.validate_on_submit():
        return _render(form, forms.ChangePasswordForm())
    try:
        services.rename(current_user, form.name.data)
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        flash("Your name is saved.", "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/account/password", endpoint="change_password")
@login_required
@limiter.limit("10 per hour")
def change_password() -> Response | str:
    """Change your password; other browsers signed in as you are signed out."""
    form = forms.ChangePasswordForm()
    if not form.validate_on_submit():
        return _render(forms.ProfileForm(obj=current_user), form)
    try:
        services.change_password(current_user, form.current.data or "", form.password.data)
    except AccountError as exc:
        form.current.errors = [str(exc)]
        return _render(forms.ProfileForm(obj=current_user), form)
    flash("Your password is changed. Other browsers signed in as you were signed out.", "success")
    return redirect(url_for("accounts.profile"))


def _render(profile: forms.ProfileForm, password: forms.ChangePasswordForm) -> str:
    return render_template("accounts/profile.html", profile=profile, password=password)
