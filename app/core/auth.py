"""Who is signed in, what they may see: login, roles and workspace scoping for every feature."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from app.core.db import parse_id
from app.core.models import Page, PageStatus, Role, User, agent_pages
from app.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


def role_required(role: Role) -> Callable[[F], F]:
    """Decorator: the view needs a signed-in user whose role is at least `role` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def visible_pages_query(user: User, *, include_disconnected: bool = False) -> Select[tuple[Page]]:
    """Pages of the user's workspace that the user may see (agents: only those given to them)."""
    query = select(Page).where(Page.workspace_id == user.workspace_id)
    if not include_disconnected:
        query = query.where(Page.status != PageStatus.DISCONNECTED)
    if user.role == Role.AGENT:
        query = query.join(agent_pages, agent_pages.c.page_id == Page.id).where(
            agent_pages.c.user_id == user.id
        )
    return query.order_by(Page.name)


def visible_pages(user: User, *, include_disconnected: bool = False) -> list[Page]:
    """The Pages `visible_pages_query` selects."""
    query = visible_pages_query(user, include_disconnected=include_disconnected)
    return list(db.session.scalars(query))


def page_or_404(page_id: int, *, include_disconnected: bool = True) -> Page:
    """A Page of the current user's workspace (and, for agents, given to them), or 404."""
    query = visible_pages_query(current_user, include_disconnected=include_disconnected)
    page = db.session.scalars(query.where(Page.id == page_id)).first()
    if page is None:
        abort(404)
    return page


def _load_user(session_id: str) -> User | None:
    user_id, _, key = session_id.partition(":")
    number = parse_id(user_id)
    user = db.session.get(User, number) if number is not None else None
    if user is None or not user.is_active:
        return None
    # A password changed elsewhere ends this session (and its remember cookie).
    return user if hmac.compare_digest(user.session_key, key) else None


def init_app(app: Flask) -> None:
    """Configure Flask-Login for Herald's users."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
