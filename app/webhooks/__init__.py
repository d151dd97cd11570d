"""Webhook ingestion: Facebook's deliveries are stored, acknowledged, and processed by workers."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.core.permissions import declare_feature

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def init_app(app: Flask) -> None:
    """Declare what receiving messages needs from Facebook; load the processing job module."""
    from app.webhooks import fast_path, tasks  # noqa: F401  (tasks registers the retry sweep)

    fast_path.install(app)

    declare_feature(
        "messages",
        "Receive messages and collect subscribers",
        ["pages_messaging", "pages_manage_metadata", "business_asset_user_profile_access"],
        endpoint="pages.index",
        review_steps=[
            "Connect a Page in Herald (Pages → Connect Pages).",
            "From a test user's Messenger, send “Hello” to the Page.",
            "In Herald, open Subscribers: the test user appears with their name and profile "
            "picture, the message in their timeline, and an open 24-hour window.",
            "Send “stop” from Messenger: Herald answers that the person is unsubscribed and marks "
            "them so; “start” subscribes them again.",
        ],
    )


from app.webhooks import routes  # noqa: E402,F401
