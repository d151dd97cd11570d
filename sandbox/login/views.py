"""The Login dialog: sign in as a sandbox user, choose Pages and permissions, get a code.

Success redirects to ``redirect_uri?code=...&state=...#_=_``; Cancel to
``redirect_uri?error_reason=user_denied&error=access_denied&error_description=Permissions+error.``.
A wrong ``client_id`` or ``redirect_uri`` never redirects: it shows an error page, as Facebook does.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.ids import new_code
from sandbox.login.permissions import KNOWN_PERMISSIONS, parse_scope, unknown_scopes
from sandbox.models import App, AuthCode, Page, PageRole, User
from sandbox.runtime import Sandbox
from sandbox.services import tokens

bp = Blueprint("login", __name__)
DIALOG_PARAMS = ("client_id", "redirect_uri", "state", "response_type", "scope", "auth_type")


class DialogProblem(Exception):
    """A request the dialog refuses with an error page (never a redirect)."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(message)
        self.title = title
        self.message = message


@dataclass
class DialogRequest:
    """The validated parameters of a dialog request."""

    params: dict[str, str]
    app_id: str
    app_name: str
    redirect_uri: str
    scopes: list[str]
    rerequest: bool


def _sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


@bp.errorhandler(DialogProblem)
def _problem(error: DialogProblem) -> tuple[str, int]:
    return render_template("sandbox/error.html", title=error.title, message=error.message), 400


def _validate(source: Any, session_db: Session) -> DialogRequest:
    params = {name: source.get(name, "") for name in DIALOG_PARAMS if source.get(name)}
    app = session_db.get(App, params.get("client_id", ""))
    if app is None:
        raise DialogProblem(
            "Invalid App ID", "The provided app ID does not look like a valid app ID."
        )
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")) or (
        app.redirect_uris and redirect_uri not in app.redirect_uris
    ):
        raise DialogProblem(
            "URL blocked",
            "This redirect failed because the redirect URI is not whitelisted in the app's "
            "Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your "
            "app domains as Valid OAuth Redirect URIs.",
        )
    if params.get("response_type", "code") != "code":
        raise DialogProblem(
            "Unsupported response_type",
            "The sandbox's Login dialog supports response_type=code (the server-side flow).",
        )
    scopes = parse_scope(params.get("scope"))
    unknown = unknown_scopes(scopes)
    if unknown:
        raise DialogProblem(
            "Invalid Scopes",
            f"Invalid Scopes: {', '.join(unknown)}. This message is only shown to developers.",
        )
    return DialogRequest(
        params, app.id, app.name, redirect_uri, scopes, params.get("auth_type") == "rerequest"
    )


def _scopes_to_ask(session_db: Session, dialog: DialogRequest, user_id: str) -> list[str]:
    """The requested permissions still undecided (on rerequest: every one not granted)."""
    grant = tokens.grant_for(session_db, user_id, dialog.app_id)
    statuses = grant.permissions if grant and not grant.deauthorized_at else {}
    return [
        scope
        for scope in dialog.scopes
        if scope != tokens.ALWAYS_GRANTED
        and (statuses.get(scope) is None or (dialog.rerequest and statuses[scope] != "granted"))
    ]


def _user_pages(session_db: Session, user_id: str) -> list[Page]:
    return list(
        session_db.scalars(
            select(Page)
            .join(PageRole, PageRole.page_id == Page.id)
            .where(PageRole.user_id == user_id)
            .order_by(PageRole.id)
        )
    )


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.get("/dialog/oauth")
@bp.get("/<version:version>/dialog/oauth")
def dialog(version: str | None = None) -> str:
    """Show the sign-in form, or the consent form to a signed-in user."""
    with _sandbox().db.read() as db:
        request_ = _validate(request.args, db)
        user = db.get(User, session.get("user_id", ""))
        if user is None or request_.params.get("auth_type") == "reauthenticate":
            return _login_page(db, request_)
        return render_template(
            "sandbox/consent.html",
            dialog=request_,
            user=user,
            pages=_user_pages(db, user.id),
            ask=_scopes_to_ask(db, request_, user.id),
            labels=KNOWN_PERMISSIONS,
            csrf_token=_csrf_token(),
        )


def _login_page(db: Session, dialog_request: DialogRequest, error: str | None = None) -> str:
    users = db.scalars(select(User).where(User.email.is_not(None)).order_by(User.name)).all()
    return render_template(
        "sandbox/login.html",
        dialog=dialog_request,
        users=users,
        error=error,
        csrf_token=_csrf_token(),
    )


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        raise DialogProblem("Session expired", "Please start the login again from the app.")


@bp.post("/dialog/oauth/login")
def login() -> Response | str:
    """Sign in by email, then return to the dialog."""
    _check_csrf()
    with _sandbox().db.read() as db:
        dialog_request = _validate(request.form, db)
        emails = [e.strip().lower() for e in request.form.getlist("email") if e.strip()]
        user = None
        if emails:
            user = db.scalar(select(User).where(func.lower(User.email) == emails[0]))
        if user is None:
            return _login_page(
                db, dialog_request, "The email you entered isn't connected to an account."
            )
    session["user_id"] = user.id
    params = dict(dialog_request.params)
    if params.get("auth_type") == "reauthenticate":
        params.pop("auth_type")
    return redirect(url_for("login.dialog", **params))


@bp.get("/dialog/oauth/logout")
def logout() -> Response:
    """Sign out of the sandbox's Facebook session ("Not you?")."""
    session.pop("user_id", None)
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@bp.post("/dialog/oauth/confirm")
def confirm() -> Response:
    """Continue (grant and redirect with a code) or Cancel (redirect with access_denied)."""
    _check_csrf()
    sandbox = _sandbox()
    with sandbox.db.write() as db:
        dialog_request = _validate(request.form, db)
        user = db.get(User, session.get("user_id", ""))
        if user is None:
            raise DialogProblem("Not signed in", "Please start the login again from the app.")
        state = (
            {"state": dialog_request.params["state"]} if "state" in dialog_request.params else {}
        )
        if request.form.get("action") != "continue":
            denied = {
                "error_reason": "user_denied",
                "error": "access_denied",
                "error_description": "Permissions error.",
            }
            return redirect(with_query(dialog_request.redirect_uri, {**denied, **state}))
        asked = _scopes_to_ask(db, dialog_request, user.id)
        checked = set(request.form.getlist("scopes"))
        own_pages = {page.id for page in _user_pages(db, user.id)}
        now = sandbox.now_ms()
        tokens.apply_consent(
            db,
            user_id=user.id,
            app_id=dialog_request.app_id,
            granted=[s for s in asked if s in checked],
            declined=[s for s in asked if s not in checked],
            page_ids=[p for p in request.form.getlist("page_ids") if p in own_pages],
            now=now,
        )
        code = AuthCode(
            code=new_code(),
            app_id=dialog_request.app_id,
            user_id=user.id,
            redirect_uri=dialog_request.redirect_uri,
            created_at=now,
        )
        db.add(code)
        target = with_query(dialog_request.redirect_uri, {"code": code.code, **state})
    return redirect(target + "#_=_")


def with_query(url: str, params: dict[str, str]) -> str:
    """Return ``url`` with ``params`` added to its query string (and no fragment)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
