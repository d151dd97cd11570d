"""Sign up, verify, log in and out, reset a password, accept an invitation."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app.accounts import bp, forms, members, services
from app.accounts.services import AccountError
from app.extensions import limiter


def _safe_next(default: str) -> str:
    """Only follow `next` to a path on this site (no open redirects).

    Browsers read "\\" as "/" and drop tabs and newlines, so "/\\evil.com" would leave the site:
    anything but a plain absolute path is refused.
    """
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    plain = not parts.scheme and not parts.netloc and target.startswith("/")
    unsafe = target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target)
    return target if plain and not unsafe else default


def _login_key() -> str:
    # Attempts count per email address as well as per client, so one account can't be
    # guessed at from many addresses.
    email = services.normalise_email(request.form.get("email", ""))
    return f"login:{email}"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup() -> Response | str:
    """Create a workspace and its owner account."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = forms.SignupForm()
    if form.validate_on_submit():
        try:
            user = services.signup(
                form.email.data, form.password.data, form.name.data, form.business.data
            )
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            services.start_session(user)
            flash(f"Welcome to Herald! We sent a confirmation link to {user.email}.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/signup.html", form=form)


@bp.get("/verify/<token>")
def verify_email(token: str) -> Response:
    """Follow the emailed confirmation link."""
    try:
        user = services.verify_email(token)
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Thanks, {user.email} is confirmed.", "success")
    return redirect(url_for("dashboard.index"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification() -> Response:
    """Send the confirmation link again."""
    if not current_user.email_verified:
        services.send_verification(current_user)
        flash(f"We sent a new confirmation link to {current_user.email}.", "info")
    return redirect(_safe_next(url_for("dashboard.index")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per minute", key_func=_login_key, methods=["POST"])
def login() -> Response | str:
    """Log in with email and password (or go to Facebook Login)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = forms.LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            services.start_session(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("dashboard.index")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password() -> Response | str:
    """Ask for a password reset link."""
    form = forms.EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash("If an account uses that email, a reset link is on its way.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str:
    """Choose a new password through a reset link."""
    try:
        services.user_for_reset(token)
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            services.start_session(user)
            flash("Your password is changed.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | str:
    """Join a workspace from an emailed invitation."""
    try:
        invitation = members.open_invitation(token)
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.login"))
    form = forms.AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = members.accept(token, form.name.data, form.password.data)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            logout_user()
            services.start_session(user)
            flash(f"Welcome to {user.workspace.name}!", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/accept.html", form=form, invitation=invitation)
