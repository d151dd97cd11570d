"""The dashboard's navigation: features add their entries here, so only built areas are linked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, request


@dataclass(frozen=True)
class NavItem:
    """One entry of the dashboard's sidebar."""

    key: str
    label: str
    endpoint: str
    icon: str  # a Tabler icon name, e.g. "message-circle"
    order: int = 100
    section: str = "main"  # "main" or "admin"
    # Decides per request whether the current user sees the entry (roles, permissions).
    visible: Callable[[], bool] = field(default=lambda: True, compare=False)
    # Endpoint prefixes that also belong to this entry, e.g. ("pages.",) for a whole blueprint.
    match: tuple[str, ...] = ()

    def is_active(self) -> bool:
        """Whether the current request belongs to this entry's area."""
        endpoint = request.endpoint or ""
        return endpoint == self.endpoint or endpoint.startswith(self.match or (self.endpoint,))


NAV: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> None:
    """Add (or replace) a sidebar entry."""
    NAV[item.key] = item


def nav_items(section: str = "main") -> list[NavItem]:
    """The entries of `section` the current user may see, in order."""
    items = (item for item in NAV.values() if item.section == section and item.visible())
    return sorted(items, key=lambda item: (item.order, item.label))


def init_app(app: Flask) -> None:
    """Expose the navigation to templates."""
    app.jinja_env.globals["nav_items"] = nav_items
