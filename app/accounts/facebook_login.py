"""Facebook Login: the OAuth dialog, the code exchange, and linking the Facebook account to a user.

The `state` is a random value kept in the session and checked once on return, so a callback can
only complete a dialog this browser started. Tokens are exchanged for long-lived ones and stored
encrypted; Herald asks `/me` for the email only to identify and validate the account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app, session

from app.accounts.services import AccountError, normalise_email, user_by_email
from app.core import permissions
from app.core.db import utcnow
from app.core.facebook import graph_anonymous, graph_settings
from app.core.graph import GraphClient, GraphError
from app.core.models import Role, User, Workspace
from app.core.urls import public_url
from app.extensions import db

SESSION_KEY = "facebook_oauth"
LOGIN, CONNECT, RECONNECT = "login", "connect", "reconnect"


class DialogCancelled(AccountError):
    """The person closed or cancelled the Facebook dialog."""


@dataclass(frozen=True)
class FacebookAccount:
    """Who came back from the dialog, with a long-lived token and their permission statuses."""

    id: str
    name: str
    email: str | None
    token: str = field(repr=False)  # never in a log line or a traceback's locals
    expires_in: int | None
    statuses: dict[str, str]

    @property
    def declined(self) -> list[str]:
        """Requested permissions that are not granted."""
        return permissions.missing_requested(self.statuses)


def redirect_uri() -> str:
    """Where Facebook sends the browser back; identical in the dialog and the code exchange."""
    return public_url("accounts.facebook_callback")


def dialog_url(
    purpose: str, *, scopes: list[str] | None = None, next_url: str | None = None
) -> str:
    """The Login dialog URL for `purpose`; remembers a one-time state in the session."""
    state = secrets.token_urlsafe(24)
    session[SESSION_KEY] = {"state": state, "purpose": purpose, "next": next_url}
    config = current_app.config
    params = {
        "client_id": config["FACEBOOK_APP_ID"],
        "redirect_uri": redirect_uri(),
        "state": state,
        "response_type": "code",
        "scope": ",".join(scopes or permissions.requested_permissions()),
    }
    if purpose == RECONNECT:
        params["auth_type"] = "rerequest"
    base = f"{config['FACEBOOK_WWW_URL']}/{config['GRAPH_API_VERSION']}/dialog/oauth"
    return f"{base}?{urlencode(params)}"


def take_state(returned_state: str | None) -> dict[str, str | None]:
    """The pending dialog this browser started, if `returned_state` matches it (used once)."""
    pending = session.pop(SESSION_KEY, None)
    if (
        not pending
        or not returned_state
        or not secrets.compare_digest(pending["state"], returned_state)
    ):
        raise AccountError(
            "This Facebook login was not started from this browser. Please try again."
        )
    return pending


def finish_dialog(args: dict[str, str]) -> FacebookAccount:
    """Exchange the dialog's code for a long-lived token and read who the account is."""
    if args.get("error"):
        raise DialogCancelled(
            "You cancelled the Facebook dialog, so nothing changed. Herald needs Facebook to "
            "reach your Pages; you can connect whenever you are ready."
        )
    code = args.get("code")
    if not code:
        raise AccountError("Facebook did not send an authorisation code. Please try again.")
    try:
        short = graph_anonymous().exchange_code(code, redirect_uri())
        long = GraphClient(short.access_token, graph_settings()).exchange_for_long_lived(
            short.access_token
        )
        client = GraphClient(long.access_token, graph_settings())
        identity = client.me(("id", "name", "email"))
        statuses = {p.name: p.status for p in client.permissions()}
    except GraphError as exc:
        raise AccountError(
            f"Facebook refused the login ({exc.message}). Please try again."
        ) from exc
    return FacebookAccount(
        id=identity.id,
        name=identity.name or "",
        email=normalise_email(identity.email) if identity.email else None,
        token=long.access_token,
        expires_in=long.expires_in,
        statuses=statuses,
    )


def attach(user: User, account: FacebookAccount) -> None:
    """Store the Facebook account, its token and permission statuses on `user` (caller commits)."""
    other = db.session.query(User).filter(User.facebook_user_id == account.id).first()
    if other is not None and other.id != user.id:
        raise AccountError("This Facebook account is already connected to another Herald account.")
    user.facebook_user_id = account.id
    user.facebook_name = account.name
    user.facebook_token = account.token
    user.facebook_permissions = account.statuses
    user.facebook_checked_at = utcnow()
    user.facebook_token_expires_at = (
        utcnow() + timedelta(seconds=account.expires_in) if account.expires_in else None
    )


def user_for_login(account: FacebookAccount) -> User:
    """The Herald user this Facebook account logs in as: linked before, same email, or new."""
    user = db.session.query(User).filter(User.facebook_user_id == account.id).first()
    if user is None and account.email:
        user = user_by_email(account.email)
        if user is not None and not user.email_verified:
            # Facebook has validated this address; a password set by whoever typed it before
            # (unverified) must not keep access to the real owner's account.
            user.password_hash = None
            user.email_verified_at = utcnow()
    if user is None:
        user = _new_owner(account)
    if user.is_active is False:  # None: a new user, not flushed yet
        raise AccountError("This Herald account has been deactivated by its workspace.")
    attach(user, account)
    db.session.commit()
    return user


def _new_owner(account: FacebookAccount) -> User:
    if not account.email:
        raise AccountError(
            "Herald needs your email address to create an account. Allow email access in the "
            "Facebook dialog, or sign up with email and password."
        )
    workspace = Workspace(name=f"{account.name}'s business" if account.name else "My business")
    user = User(
        workspace=workspace,
        email=account.email,
        name=account.name or account.email,
        role=Role.OWNER,
        email_verified_at=utcnow(),
    )
    db.session.add_all([workspace, user])
    return user
