"""The permissions the Login dialog knows, with the wording the consent screen shows."""

from __future__ import annotations

KNOWN_PERMISSIONS: dict[str, str] = {
    "public_profile": "Your name and profile picture",
    "email": "Your email address",
    "pages_show_list": "Show a list of the Pages you manage",
    "pages_manage_metadata": "Manage accounts, settings and webhooks for a Page",
    "pages_messaging": "Manage and access Page conversations in Messenger",
    "pages_messaging_phone_number": (
        "Message people on behalf of your Page using their phone number"
    ),
    "pages_manage_posts": "Create and manage content on your Page",
    "pages_read_engagement": "Read content posted on the Page",
    "pages_read_user_content": "Read user content on your Page",
    "pages_manage_engagement": "Create and manage comments and reactions on your Page",
    "pages_manage_ads": "Manage ads for your Page",
    "ads_management": "Manage your ads",
    "ads_read": "Access your ads performance data",
    "business_management": "Manage your business",
    "page_utility_messaging": "Send utility messages from your Page",
}


def parse_scope(raw: str | None) -> list[str]:
    """Split a ``scope`` parameter (comma- or space-separated) keeping order, without repeats."""
    if not raw:
        return []
    parts = [part.strip() for part in raw.replace(" ", ",").split(",")]
    return list(dict.fromkeys(part for part in parts if part))


def unknown_scopes(scopes: list[str]) -> list[str]:
    """Return the scopes the dialog does not know."""
    return [scope for scope in scopes if scope not in KNOWN_PERMISSIONS]
