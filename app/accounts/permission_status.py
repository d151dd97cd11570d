"""The Permissions page's truth: each permission's live status for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.core import permissions
from app.core.db import utcnow
from app.core.facebook import graph_for_user
from app.core.graph import GraphError, TokenInvalid
from app.core.models import User
from app.core.permissions import Kind, Permission, Status
from app.extensions import db


@dataclass(frozen=True)
class PermissionRow:
    """One line of the Permissions page."""

    permission: Permission
    status: str  # a Status value, or "approved"/"not_approved" for App Review features
    requested: bool
    features: list[permissions.FeatureNeeds]

    @property
    def ok(self) -> bool:
        """Whether nothing is missing for this line."""
        return self.status in {Status.GRANTED, "approved"}


@dataclass(frozen=True)
class PermissionReport:
    """The whole page: rows, what a re-request would ask, and any connection problem."""

    rows: list[PermissionRow]
    connected: bool
    problem: str | None

    @property
    def missing(self) -> list[PermissionRow]:
        """Requested Login permissions that are not granted."""
        return [
            r
            for r in self.rows
            if r.requested and not r.ok and r.permission.kind == Kind.PERMISSION
        ]


def refresh(user: User) -> str | None:
    """Read `/me/permissions` for the user's Facebook account; a problem message, or None."""
    if not user.facebook_connected:
        return None
    try:
        statuses = {p.name: p.status for p in graph_for_user(user).permissions()}
    except TokenInvalid:
        user.facebook_token = None
        db.session.commit()
        return "Facebook no longer accepts Herald's access to your account. Connect again."
    except GraphError as exc:
        return f"Facebook did not answer ({exc.message}); showing the last known statuses."
    user.facebook_permissions = statuses
    user.facebook_checked_at = utcnow()
    db.session.commit()
    return None


def live_report(user: User) -> PermissionReport:
    """Statuses straight from Facebook (falling back to the last snapshot when it fails)."""
    problem = refresh(user)
    statuses = user.facebook_permissions or {}
    requested = set(permissions.requested_permissions())
    approved = set(current_app.config["FACEBOOK_APP_FEATURES"])
    rows = []
    for permission in permissions.PERMISSIONS.values():
        if permission.kind == Kind.FEATURE:
            status = "approved" if permission.name in approved else "not_approved"
        else:
            status = permissions.status_of(permission.name, statuses).value
        rows.append(
            PermissionRow(
                permission=permission,
                status=status,
                requested=permission.name in requested or permission.kind == Kind.FEATURE,
                features=permissions.features_using(permission.name),
            )
        )
    return PermissionReport(rows=rows, connected=user.facebook_connected, problem=problem)
