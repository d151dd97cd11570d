"""The dashboard shell: overview, system status, `/healthz`, error pages, the development outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user

from app.core.models import Role
from app.core.navigation import NavItem, register_nav
from app.core.pages import pages_needing_attention
from app.core.permissions import PERMISSIONS, missing_for_workspace

bp = Blueprint("dashboard", __name__, template_folder="templates")


def _signed_in() -> bool:
    return current_user.is_authenticated


def _admin() -> bool:
    return current_user.is_authenticated and current_user.can(Role.ADMIN)


def _shell_context() -> dict[str, Any]:
    def attention_pages() -> list:
        if not current_user.is_authenticated:
            return []
        return pages_needing_attention(current_user.workspace_id)

    return {"Role": Role, "attention_pages": attention_pages}


def _missing_permissions(feature_key: str) -> list:
    """Permissions a feature lacks for the signed-in user's workspace (empty when all granted).

    A Jinja global (not a context variable) so macros imported without context can call it.
    """
    if not current_user.is_authenticated:
        return []
    pages = pages_needing_attention(current_user.workspace_id)
    gaps = {name for page in pages for name in page.missing_permissions or []}
    return missing_for_workspace(feature_key, current_user.facebook_permissions or {}, gaps)


def _permission_title(name: str) -> str:
    permission = PERMISSIONS.get(name)
    return permission.title if permission else name


def init_app(app: Flask) -> None:
    """Register the shell's navigation, error pages, template helpers and response headers."""
    from app.dashboard import errors

    errors.init_app(app)
    app.context_processor(_shell_context)
    app.add_template_filter(_permission_title, "permission_title")
    app.jinja_env.globals["missing_permissions"] = _missing_permissions
    register_nav(NavItem("overview", "Overview", "dashboard.index", "home", 10, visible=_signed_in))
    register_nav(
        NavItem(
            "status",
            "System status",
            "dashboard.status",
            "heart-rate-monitor",
            990,
            "admin",
            _admin,
        )
    )
    if app.config["HERALD_ENV"] != "production":
        register_nav(
            NavItem("outbox", "Email outbox", "dashboard.outbox", "mail", 995, "admin", _signed_in)
        )


from app.dashboard import routes  # noqa: E402,F401  (routes attach to bp)
