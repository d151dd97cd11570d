"""Graph clients built from Herald's settings and its stored tokens; reactions to token errors.

Features never build a GraphClient themselves: `graph_for(page)` gives one with the Page's token,
and `react_to(page, error)` turns a Graph error into the Page's state (needs reconnect, permission
missing) so every feature degrades the same way.
"""

from __future__ import annotations

import logging
import threading

import requests
from flask import current_app

from app.core.graph import GraphClient, GraphError, GraphSettings, PermissionDenied, TokenInvalid
from app.core.models import Page, User

log = logging.getLogger(__name__)
_local = threading.local()

# Page webhook fields Herald subscribes to: every messaging event it acts on, and the Page feed.
MESSAGING_FIELDS = (
    "messages",
    "messaging_postbacks",
    "messaging_optins",
    "messaging_referrals",
    "message_echoes",
    "message_deliveries",
    "message_reads",
)
FEED_FIELDS = ("feed",)


def webhook_fields_for(statuses: dict[str, str]) -> list[str]:
    """The Page fields the granted permissions allow (messaging ones need pages_messaging)."""
    if statuses.get("pages_manage_metadata") != "granted":
        return []
    fields = list(FEED_FIELDS)
    if statuses.get("pages_messaging") == "granted":
        fields = [*MESSAGING_FIELDS, *fields]
    return fields


class PageUnavailable(RuntimeError):
    """The Page has no usable token (disconnected or waiting to be reconnected)."""


def graph_settings() -> GraphSettings:
    """Graph settings of the current app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("herald.graph_settings")
    if cached is None:
        cached = GraphSettings.from_config(app.config)
        app.extensions["herald.graph_settings"] = cached
    return cached


def _session() -> requests.Session:
    """This thread's HTTP session: connections to Graph are kept open and reused.

    A new connection (and TLS handshake) per call would cost more than most calls; sessions are
    not shared between threads, so each worker or web thread keeps its own.
    """
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def graph_for(page: Page) -> GraphClient:
    """A client acting as `page` (its Page token). Raises PageUnavailable without a usable token."""
    if not page.is_usable:
        raise PageUnavailable(f"Page {page.name} is {page.status.value}")
    return GraphClient(page.access_token, graph_settings(), session=_session())


def graph_for_user(user: User) -> GraphClient:
    """A client acting as the Facebook account connected to `user`.

    Raises PageUnavailable when the user has no Facebook token (never connected, or removed).
    """
    if not user.facebook_token:
        raise PageUnavailable("this account has no Facebook connection")
    return GraphClient(user.facebook_token, graph_settings(), session=_session())


def graph_for_app() -> GraphClient:
    """A client acting as the Facebook app itself (app token)."""
    return GraphClient.for_app(graph_settings(), session=_session())


def graph_anonymous() -> GraphClient:
    """A client with no token, for the code exchange of the Login flow."""
    return GraphClient(None, graph_settings(), session=_session())


def react_to(page: Page, error: GraphError, permission: str | None = None) -> None:
    """Record on `page` what a Graph error says about its connection (caller commits).

    A token error (190) means the Page must be reconnected; a permission error (10, 2xx) on a call
    that needs `permission` marks that permission missing. Other errors say nothing about the Page.
    """
    from app.core import pages  # here to keep this module free of mail/queue imports at load

    if isinstance(error, TokenInvalid):
        pages.mark_needs_reconnect(page, f"Facebook rejected the Page's token ({error.reason}).")
    elif isinstance(error, PermissionDenied) and permission:
        pages.mark_permission_missing(page, permission)
