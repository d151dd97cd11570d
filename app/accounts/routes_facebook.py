"""Facebook Login, the Permissions page, and Facebook's deauthorize and data-deletion callbacks."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts import bp, callbacks, facebook_login, permission_status, services
from app.accounts.facebook_login import CONNECT, LOGIN, RECONNECT, DialogCancelled
from app.accounts.services import AccountError
from app.core import permissions
from app.core.graph import GraphError
from app.core.pages import refresh_page_tokens
from app.core.urls import public_url
from app.extensions import csrf, db


@bp.get("/auth/facebook")
def facebook_start() -> Response:
    """Open the Login dialog: to log in, or to connect Facebook to the signed-in account."""
    if current_user.is_authenticated:
        if not current_user.email_verified:
            flash("Confirm your email address before connecting Facebook.", "warning")
            return redirect(url_for("dashboard.index"))
        return redirect(facebook_login.dialog_url(CONNECT))
    return redirect(facebook_login.dialog_url(LOGIN))


@bp.get("/auth/facebook/reconnect")
@login_required
def facebook_reconnect() -> Response:
    """Ask Facebook again, for just the permissions still missing (auth_type=rerequest)."""
    missing = permissions.missing_requested(current_user.facebook_permissions or {})
    scopes = missing or permissions.requested_permissions()
    return redirect(facebook_login.dialog_url(RECONNECT, scopes=scopes))


@bp.get("/auth/facebook/callback")
def facebook_callback() -> Response:
    """Where the Login dialog returns: finish logging in or connecting."""
    try:
        pending = facebook_login.take_state(request.args.get("state"))
        account = facebook_login.finish_dialog(request.args.to_dict())
        if pending["purpose"] == LOGIN:
            user = facebook_login.user_for_login(account)
            services.start_session(user)
        elif not current_user.is_authenticated:
            raise AccountError("Your session ended while Facebook was open. Log in and retry.")
        else:
            user = current_user
            facebook_login.attach(user, account)
            db.session.commit()
    except DialogCancelled as exc:
        flash(str(exc), "warning")
        return redirect(
            url_for("dashboard.index" if current_user.is_authenticated else "accounts.login")
        )
    except AccountError as exc:
        flash(str(exc), "danger")
        return redirect(
            url_for("dashboard.index" if current_user.is_authenticated else "accounts.login")
        )
    _report(account, user)
    if user.workspace.pages:
        return redirect(url_for("accounts.permissions"))
    return redirect(url_for("pages.connect"))


def _report(account: facebook_login.FacebookAccount, user) -> None:
    try:
        refreshed = refresh_page_tokens(user)
    except GraphError:
        refreshed = []
    if refreshed:
        names = ", ".join(page.name for page in refreshed)
        flash(f"Facebook is connected. Refreshed access to: {names}.", "success")
    else:
        flash(f"Facebook is connected as {account.name}.", "success")
    if account.declined:
        titles = ", ".join(permissions.PERMISSIONS[name].title for name in account.declined)
        flash(
            f"Some permissions were not granted ({titles}). The Permissions page explains what "
            "each one does and lets you grant them.",
            "warning",
        )


@bp.get("/account/permissions", endpoint="permissions")
@login_required
def permissions_page() -> str:
    """Every permission with its live status, the features it powers, and a re-request button."""
    report = permission_status.live_report(current_user)
    return render_template("accounts/permissions.html", report=report)


@bp.post("/facebook/deauthorize")
@csrf.exempt
def deauthorize() -> tuple[Response, int]:
    """Facebook tells us a person removed Herald from their account."""
    try:
        payload = callbacks.verify_signed_request(request.form.get("signed_request", ""))
    except callbacks.SignedRequestError:
        abort(400)
    callbacks.deauthorize(payload)
    return jsonify({"success": True}), 200


@bp.post("/facebook/data-deletion")
@csrf.exempt
def data_deletion() -> Response:
    """Facebook forwards a person's request to delete their data; answer with a status link."""
    try:
        payload = callbacks.verify_signed_request(request.form.get("signed_request", ""))
    except callbacks.SignedRequestError:
        abort(400)
    deletion = callbacks.request_deletion(payload)
    url = public_url("accounts.deletion_status", code=deletion.confirmation_code)
    return jsonify({"url": url, "confirmation_code": deletion.confirmation_code})


@bp.get("/facebook/data-deletion/<code>")
def deletion_status(code: str) -> str:
    """A public page showing where a data-deletion request stands."""
    deletion = callbacks.deletion_by_code(code)
    if deletion is None:
        abort(404)
    return render_template("accounts/deletion_status.html", deletion=deletion)
