"""Live chat: operators answer subscribers in real time, inside Meta's messaging windows."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import current_user

from app.core.models import Role
from app.core.navigation import NavItem, register_nav
from app.core.permissions import declare_feature

bp = Blueprint("livechat", __name__, template_folder="templates", url_prefix="/inbox")


def _signed_in() -> bool:
    return current_user.is_authenticated


def init_app(app: Flask) -> None:
    """Register the inbox's webhook handlers, permissions and navigation."""
    from app.core.api import register_api
    from app.livechat import api, services  # noqa: F401  (services registers webhook handlers)

    register_api(api.blp)

    declare_feature(
        "livechat",
        "Live chat",
        ["pages_messaging", "human_agent"],
        endpoint="livechat.index",
        review_steps=[
            "From a test user's Messenger, send “Hello” to the connected Page.",
            "In Herald open Live chat: the conversation appears in Unassigned within a second.",
            "Open it, type “Hi, how can we help?” and press Enter: the test user receives it.",
            "For Human Agent: use a conversation whose last message from the test user is more "
            "than 24 hours and less than 7 days old. The reply box says one Human Agent reply "
            "is allowed; send it (it goes with the HUMAN_AGENT tag), and the box then locks "
            "until the person writes again.",
        ],
    )
    register_nav(
        NavItem(
            "livechat",
            "Live chat",
            "livechat.index",
            "messages",
            25,
            visible=_signed_in,
            match=("livechat.index", "livechat.part", "livechat.conversation_list"),
        )
    )
    register_nav(
        NavItem(
            "canned",
            "Canned responses",
            "livechat.canned_page",
            "message-bolt",
            950,
            "admin",
            _signed_in,
        )
    )
    register_nav(
        NavItem(
            "livechat_settings",
            "Live chat settings",
            "livechat.settings",
            "adjustments",
            955,
            "admin",
            lambda: current_user.is_authenticated and current_user.can(Role.ADMIN),
        )
    )


from app.livechat import routes, routes_settings  # noqa: E402,F401
