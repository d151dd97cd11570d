"""Grants and tokens: what the Login dialog, the code exchange and the control API issue.

A token's effective permissions are read from its (user, app) grant at call time, as on Facebook:
revoking a permission affects tokens already issued.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.ids import new_numeric_id, new_token
from sandbox.models import AppScopedUser, Grant, PageRole, Token

ALWAYS_GRANTED = "public_profile"


def asid_for(session: Session, user_id: str, app_id: str) -> str:
    """Return the user's app-scoped id in the app, creating it on first use."""
    row = session.scalar(
        select(AppScopedUser).where(
            AppScopedUser.user_id == user_id, AppScopedUser.app_id == app_id
        )
    )
    if row is None:
        row = AppScopedUser(asid=new_numeric_id(16, "1"), user_id=user_id, app_id=app_id)
        session.add(row)
    return row.asid


def grant_for(session: Session, user_id: str, app_id: str) -> Grant | None:
    """Return the user's grant to the app, if any."""
    return session.scalar(select(Grant).where(Grant.user_id == user_id, Grant.app_id == app_id))


def user_page_ids(session: Session, user_id: str) -> list[str]:
    """Return the ids of the Pages the user has a role on, in role order."""
    return list(
        session.scalars(
            select(PageRole.page_id).where(PageRole.user_id == user_id).order_by(PageRole.id)
        )
    )


def apply_consent(
    session: Session,
    *,
    user_id: str,
    app_id: str,
    granted: Iterable[str],
    declined: Iterable[str] = (),
    page_ids: list[str] | None,
    now: int,
) -> Grant:
    """Record a consent: statuses for the permissions asked about and, if given, the shared Pages.

    Permissions not asked about keep their status (a rerequest only asks for the missing ones).
    """
    grant = grant_for(session, user_id, app_id)
    if grant is None:
        grant = Grant(user_id=user_id, app_id=app_id, permissions={}, page_ids=[], created_at=now)
        session.add(grant)
    statuses = {} if grant.deauthorized_at else dict(grant.permissions)
    statuses.update(dict.fromkeys(declined, "declined"))
    statuses.update(dict.fromkeys(granted, "granted"))
    statuses[ALWAYS_GRANTED] = "granted"
    grant.permissions = statuses
    if page_ids is not None:
        grant.page_ids = list(page_ids)
    grant.deauthorized_at = None
    grant.updated_at = now
    asid_for(session, user_id, app_id)
    return grant


def issue_user_token(
    session: Session,
    *,
    app_id: str,
    user_id: str,
    now: int,
    expires_in: int,
    long_lived: bool,
) -> Token:
    """Create a user access token valid for ``expires_in`` seconds."""
    token = Token(
        token=new_token("EAAB"),
        kind="USER",
        app_id=app_id,
        user_id=user_id,
        asid=asid_for(session, user_id, app_id),
        long_lived=long_lived,
        issued_at=now,
        expires_at=now + expires_in * 1000,
        valid=True,
    )
    session.add(token)
    return token


def issue_app_token(session: Session, *, app_id: str, now: int) -> Token:
    """Create an app access token (``{app-id}|...``) as ``client_credentials`` returns."""
    token = Token(
        token=f"{app_id}|{new_token('', 27)}",
        kind="APP",
        app_id=app_id,
        issued_at=now,
        expires_at=0,
        valid=True,
    )
    session.add(token)
    return token


def page_token_for(session: Session, parent: Token, page_id: str, now: int) -> Token:
    """Return the Page token obtained with user token ``parent``, creating it once.

    Page tokens from a long-lived user token never expire; otherwise they expire with it.
    """
    existing = session.scalar(
        select(Token).where(
            Token.parent_id == parent.id, Token.page_id == page_id, Token.valid.is_(True)
        )
    )
    if existing is not None:
        return existing
    token = Token(
        token=new_token("EAAG"),
        kind="PAGE",
        app_id=parent.app_id,
        user_id=parent.user_id,
        asid=parent.asid,
        page_id=page_id,
        parent_id=parent.id,
        long_lived=parent.long_lived,
        issued_at=now,
        expires_at=0 if parent.long_lived else parent.expires_at,
        valid=True,
    )
    session.add(token)
    return token


def invalidate_tokens(
    session: Session,
    *,
    subcode: int,
    reason: str,
    user_ids: Iterable[str] = (),
    page_id: str | None = None,
    app_id: str | None = None,
) -> None:
    """Invalidate the users' user and Page tokens (optionally for one app) and a Page's tokens."""
    users = list(user_ids)
    values = {"valid": False, "invalid_subcode": subcode, "invalid_reason": reason}
    if users:
        stmt = update(Token).where(Token.user_id.in_(users), Token.valid.is_(True))
        if app_id is not None:
            stmt = stmt.where(Token.app_id == app_id)
        session.execute(stmt.values(**values))
    if page_id is not None:
        session.execute(
            update(Token).where(Token.page_id == page_id, Token.valid.is_(True)).values(**values)
        )


def set_permission_status(
    session: Session, *, user_id: str, app_id: str, permission: str, status: str, now: int
) -> bool:
    """Set one permission's status on an existing grant; return whether a grant existed."""
    grant = grant_for(session, user_id, app_id)
    if grant is None:
        return False
    grant.permissions = {**grant.permissions, permission: status}
    grant.updated_at = now
    return True


def deauthorize(session: Session, *, user_id: str, app_id: str, now: int) -> None:
    """Remove the app: every permission dropped, every token of the user for it dies with 458."""
    grant = grant_for(session, user_id, app_id)
    if grant is not None:
        grant.permissions = {}
        grant.page_ids = []
        grant.deauthorized_at = now
        grant.updated_at = now
    invalidate_tokens(
        session, subcode=458, reason="app de-authorized", user_ids=[user_id], app_id=app_id
    )
