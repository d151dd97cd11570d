"""Access-token resolution: from the token string to an :class:`AuthContext` or a 190 error.

The context is a plain frozen value (no ORM objects), computed once per token per HTTP request
(a batch reuses it across its operations).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.models import App, Grant, PageRole, Token


@dataclass(frozen=True)
class AuthContext:
    """Who is calling: the token's kind, app, user, Page, live permissions and Page tasks."""

    token: str
    kind: str  # USER | PAGE | APP
    app_id: str
    app_secret: str
    app_name: str
    app_features: tuple[str, ...]
    token_id: int | None = None  # None for the literal "{app-id}|{app-secret}"
    user_id: str | None = None
    asid: str | None = None
    page_id: str | None = None
    granted: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()
    shared_page_ids: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    issued_at: int = 0
    expires_at: int = 0
    long_lived: bool = False

    def has(self, permission: str) -> bool:
        """Return whether the permission is currently granted."""
        return permission in self.granted

    def require(self, permission: str) -> None:
        """Raise 200 unless the permission is granted."""
        if permission not in self.granted:
            raise errors.missing_permission(permission)

    def require_page_token(self) -> None:
        """Raise 210 unless this is a Page token."""
        if self.kind != "PAGE":
            raise errors.page_token_required()

    def require_task(self, *tasks: str) -> None:
        """Raise 200 unless the token's user has one of ``tasks`` on the token's Page."""
        if not any(task in self.tasks for task in tasks):
            raise errors.insufficient_task(tasks[0])

    def check_appsecret_proof(self, proof: str) -> None:
        """Raise 100 unless ``proof`` is HMAC-SHA256(app_secret, token) in hex."""
        expected = hmac.new(
            self.app_secret.encode(), self.token.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, proof.strip().lower()):
            raise errors.bad_appsecret_proof()


def resolve_token(session: Session, token: str, now_ms: int) -> AuthContext:
    """Return the context of a valid token, or raise the 190 error Graph would return."""
    literal = _literal_app_token(session, token)
    if literal is not None:
        return literal
    row = session.scalar(select(Token).where(Token.token == token))
    if row is None:
        raise errors.invalid_token()
    app = session.get(App, row.app_id)
    if app is None:
        raise errors.invalid_token()
    if not row.valid:
        raise errors.invalidated_token(row.invalid_subcode or 460, app.id)
    if row.expires_at and now_ms >= row.expires_at:
        raise errors.expired_token(row.expires_at, now_ms)
    base = {
        "token": token,
        "kind": row.kind,
        "app_id": app.id,
        "app_secret": app.secret,
        "app_name": app.name,
        "app_features": tuple(app.features or ()),
        "token_id": row.id,
        "issued_at": row.issued_at,
        "expires_at": row.expires_at,
        "long_lived": row.long_lived,
    }
    if row.kind == "APP":
        return AuthContext(**base)
    return _user_context(session, row, base)


def _user_context(session: Session, row: Token, base: dict) -> AuthContext:
    grant = session.scalar(
        select(Grant).where(Grant.user_id == row.user_id, Grant.app_id == row.app_id)
    )
    if grant is None or grant.deauthorized_at:
        raise errors.invalidated_token(458, row.app_id)
    tasks: tuple[str, ...] = ()
    if row.kind == "PAGE":
        role = session.scalar(
            select(PageRole).where(PageRole.page_id == row.page_id, PageRole.user_id == row.user_id)
        )
        if role is None or row.page_id not in grant.page_ids:
            raise errors.invalidated_token(492, row.app_id)
        tasks = tuple(role.tasks)
    return AuthContext(
        **base,
        user_id=row.user_id,
        asid=row.asid,
        page_id=row.page_id,
        granted=frozenset(grant.granted()),
        declined=frozenset(grant.declined()),
        shared_page_ids=tuple(grant.page_ids),
        tasks=tasks,
    )


def _literal_app_token(session: Session, token: str) -> AuthContext | None:
    app_id, sep, secret = token.partition("|")
    if not sep or not app_id.isdigit():
        return None
    app = session.get(App, app_id)
    if app is None or not hmac.compare_digest(app.secret, secret):
        return None
    return AuthContext(
        token=token,
        kind="APP",
        app_id=app.id,
        app_secret=app.secret,
        app_name=app.name,
        app_features=tuple(app.features or ()),
    )


def token_error_subcode(error: GraphError) -> int | None:
    """Return the subcode of a 190 error (for debug_token's ``error`` object)."""
    return error.subcode if error.code == 190 else None
