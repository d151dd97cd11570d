"""Broadcasts: compose one Messenger message, send it now or later to a segment of a Page's
subscribers under Meta's rules for each of them, and see what happened."""

from __future__ import annotations

import os

from flask import Blueprint, Flask
from flask_login import current_user

from app.core.models import Role
from app.core.navigation import NavItem, register_nav
from app.core.permissions import declare_feature

bp = Blueprint("broadcasts", __name__, template_folder="templates", url_prefix="/broadcasts")
# Tracked links live at the root (/b/<token>): short, since they are what people tap.
links_bp = Blueprint("broadcast_links", __name__)

# Settings of this feature, from environment variables of the same name (see app/config.py).
SETTINGS = {
    "BROADCAST_SENDERS": 3,  # sender jobs per broadcast, sharing the Page's pace
    "BROADCAST_SLICE_SECONDS": 10,  # a sender job hands over to its continuation after this
    "BROADCAST_BACKOFF_CAP": 0,  # longest pause after a rate limit, seconds (0: as Facebook asks)
}


def _marketer() -> bool:
    return current_user.is_authenticated and current_user.can(Role.MARKETER)


def _settings(app: Flask) -> None:
    for name, default in SETTINGS.items():
        raw = os.environ.get(name, "")
        app.config.setdefault(name, float(raw) if raw.strip() else default)


def init_app(app: Flask) -> None:
    """Register the broadcasts' settings, webhook handlers, sweeps, API, permissions and nav."""
    from app.broadcasts import api, watch, webhooks  # noqa: F401  (they register themselves)
    from app.core.api import register_api

    _settings(app)
    app.register_blueprint(links_bp)
    register_api(api.blp)
    declare_feature(
        "broadcasts",
        "Broadcasts",
        ["pages_messaging"],
        endpoint="broadcasts.index",
        review_steps=[
            "From a test user's Messenger, send “Hi” to the connected Page (this opens the 24-hour "
            "window Meta requires for promotional messages).",
            "In Herald open Broadcasts → New broadcast. Write “Hello {{first_name|there}}!”, add a "
            "link button and a quick reply, choose the Page and “Everyone on the Page”.",
            "Under Send a test, pick the test user and press Send test: the message arrives in "
            "their Messenger with their first name.",
            "Choose Promotional, press Send now: the results page counts the test user as sent, "
            "then delivered and read as Messenger reports it; tapping the button counts a click.",
        ],
    )
    register_nav(
        NavItem(
            "broadcasts",
            "Broadcasts",
            "broadcasts.index",
            "speakerphone",
            35,
            visible=_marketer,
            match=("broadcasts.",),
        )
    )


from app.broadcasts import routes, routes_public  # noqa: E402,F401
