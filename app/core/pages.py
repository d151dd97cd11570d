"""A connected Page's health, shared by every feature: needs reconnect, missing permissions.

Any feature that gets a token or permission error from Facebook records it here (through
`app.core.facebook.react_to`), so the dashboard shows one banner and one reconnect flow, and the
workspace's admins get one email per problem.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.core.db import utcnow
from app.core.mail import send_email
from app.core.models import Page, PageStatus, Role, User
from app.core.urls import public_url
from app.extensions import db, redis_client

log = logging.getLogger(__name__)

GAP_MAIL_EVERY = 7 * 24 * 3600  # seconds between two emails about one missing permission


def admins_of(workspace_id: int) -> list[User]:
    """Active owners and admins of a workspace: who hears about broken connections."""
    query = select(User).where(
        User.workspace_id == workspace_id,
        User.is_active.is_(True),
        User.role.in_([Role.OWNER, Role.ADMIN]),
    )
    return list(db.session.scalars(query))


def mark_needs_reconnect(page: Page, reason: str) -> bool:
    """Pause everything Herald does with `page` until it is reconnected. Commits.

    Returns True when this changed the Page's state (admins are emailed only then).
    """
    if page.status != PageStatus.CONNECTED:
        return False
    page.status = PageStatus.NEEDS_RECONNECT
    page.status_reason = reason
    db.session.commit()
    log.warning("page %s (%s) needs reconnect: %s", page.id, page.facebook_page_id, reason)
    _tell_admins(
        page, f"Action needed: reconnect {page.name} to Herald", "needs_reconnect", reason=reason
    )
    return True


def mark_permission_missing(page: Page, permission: str) -> bool:
    """Record that `page`'s connection lacks `permission`. Commits; True when it is new."""
    if permission in (page.missing_permissions or []):
        return False
    page.missing_permissions = sorted({*(page.missing_permissions or []), permission})
    db.session.commit()
    # A gap the health check cannot see comes and goes with each refused call: mail once a week.
    mailed = f"herald:gap-mailed:{page.id}:{permission}"
    if not redis_client.client.set(mailed, 1, nx=True, ex=GAP_MAIL_EVERY):
        return True
    _tell_admins(
        page,
        f"{page.name} is missing a Facebook permission",
        "permission_missing",
        permission=permission,
    )
    return True


def mark_connected(page: Page, token: str, *, missing: list[str] | None = None) -> None:
    """The Page works again with a fresh token (caller commits)."""
    page.access_token = token
    page.status = PageStatus.CONNECTED
    page.status_reason = None
    page.missing_permissions = sorted(missing or [])
    page.disconnected_at = None
    page.checked_at = utcnow()


def pages_needing_attention(workspace_id: int) -> list[Page]:
    """Pages waiting to be reconnected or missing a permission, for the dashboard banner."""
    query = select(Page).where(
        Page.workspace_id == workspace_id, Page.status != PageStatus.DISCONNECTED
    )
    return [
        page
        for page in db.session.scalars(query.order_by(Page.name))
        if page.status == PageStatus.NEEDS_RECONNECT or page.missing_permissions
    ]


def _tell_admins(page: Page, subject: str, template: str, **context: object) -> None:
    link = public_url("pages.index")
    for admin in admins_of(page.workspace_id):
        send_email(
            admin.email,
            subject,
            template,
            workspace_id=page.workspace_id,
            page=page,
            user=admin,
            link=link,
            **context,
        )


def refresh_page_tokens(user: User) -> list[Page]:
    """After `user` logged in to Facebook again, give Pages they may speak for fresh Page tokens.

    Only an owner or admin refreshes, and only Pages that wait for a reconnect or that they
    connected themselves: someone else's working connection is never silently taken over.
    The refreshed Pages are then connected through `user`, with the permissions they lack
    recorded. Returns the refreshed Pages. Commits.
    """
    from app.core.facebook import graph_for_user  # facebook imports this module
    from app.core.permissions import missing_requested

    if not user.role.at_least(Role.ADMIN):
        return []
    accounts = {account.id: account for account in graph_for_user(user).accounts()}
    missing = missing_requested(user.facebook_permissions or {})
    query = select(Page).where(
        Page.workspace_id == user.workspace_id,
        Page.facebook_page_id.in_(list(accounts)),
        (Page.status == PageStatus.NEEDS_RECONNECT)
        | ((Page.status == PageStatus.CONNECTED) & (Page.connected_by_id == user.id)),
    )
    refreshed = []
    for page in db.session.scalars(query):
        account = accounts[page.facebook_page_id]
        if not account.access_token:
            continue
        mark_connected(page, account.access_token, missing=missing)
        page.tasks = list(account.tasks)
        page.connected_by = user
        refreshed.append(page)
    db.session.commit()
    return refreshed
