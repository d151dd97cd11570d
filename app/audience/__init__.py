"""Audience: the subscribers list, saved segments, each subscriber's page and growth links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user

from app.core.models import Role
from app.core.navigation import NavItem, register_nav

bp = Blueprint(
    "audience",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/audience/static",
)


def _marketer() -> bool:
    return current_user.is_authenticated and current_user.can(Role.MARKETER)


@bp.context_processor
def _link_helpers() -> dict[str, Any]:
    """Only http(s) links from strangers' data become links."""
    from app.audience import timeline

    return {"safe_url": timeline.safe_url}


def init_app(app: Flask) -> None:
    """The sidebar entries of the audience area (marketers and above)."""
    register_nav(
        NavItem(
            "subscribers",
            "Subscribers",
            "audience.subscribers",
            "users-group",
            30,
            visible=_marketer,
            match=("audience.subscriber", "audience.segment"),
        )
    )
    register_nav(
        NavItem(
            "growth_links",
            "Growth links",
            "audience.growth_links",
            "link",
            40,
            visible=_marketer,
            match=("audience.growth_link",),
        )
    )


from app.audience import routes, routes_growth, routes_segments  # noqa: E402,F401
