"""Connecting Facebook Pages to a workspace, and disconnecting them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from app.core import permissions
from app.core.db import utcnow
from app.core.facebook import (
    FEED_FIELDS,
    MESSAGING_FIELDS,
    graph_for,
    graph_for_app,
    graph_for_user,
    react_to,
    webhook_fields_for,
)
from app.core.graph import AppSubscription, GraphError, PageAccount
from app.core.models import Page, PageStatus, User
from app.core.pages import mark_connected
from app.core.subscribers.importer import queue_import
from app.core.urls import public_url
from app.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageChoice:
    """A Page the user manages on Facebook, and where it stands in Herald."""

    account: PageAccount
    page: Page | None  # the Page row in this workspace, if any
    elsewhere: bool  # connected in another workspace

    @property
    def connected_here(self) -> bool:
        """Whether this workspace already has the Page connected."""
        return self.page is not None and self.page.status != PageStatus.DISCONNECTED


@dataclass
class ConnectResult:
    """What connecting a set of Pages did."""

    connected: list[Page] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def choices(user: User) -> list[PageChoice]:
    """Every Page the user manages on Facebook (all pages of /me/accounts), with its state."""
    accounts = graph_for_user(user).accounts()
    ids = [account.id for account in accounts]
    rows = db.session.scalars(select(Page).where(Page.facebook_page_id.in_(ids))).all()
    here = {row.facebook_page_id: row for row in rows if row.workspace_id == user.workspace_id}
    # A Page another workspace disconnected is free: only a live connection elsewhere blocks.
    taken = {
        row.facebook_page_id
        for row in rows
        if row.workspace_id != user.workspace_id and row.status != PageStatus.DISCONNECTED
    }
    return [PageChoice(account, here.get(account.id), account.id in taken) for account in accounts]


def connect(user: User, facebook_page_ids: list[str]) -> ConnectResult:
    """Connect the chosen Pages to the user's workspace and subscribe Herald to their events."""
    result = ConnectResult()
    by_id = {choice.account.id: choice for choice in choices(user)}
    for facebook_page_id in facebook_page_ids:
        choice = by_id.get(facebook_page_id)
        if choice is None:
            result.refused.append("A chosen Page is not one you manage on Facebook any more.")
        elif choice.elsewhere:
            result.refused.append(
                f"{choice.account.name} is already connected to another Herald workspace. "
                "Disconnect it there first."
            )
        elif not choice.account.access_token:
            result.refused.append(f"Facebook gave no access to {choice.account.name}.")
        else:
            page = _save(user, choice)
            result.connected.append(page)
            result.warnings.extend(_subscribe(user, page))
            if "pages_messaging" not in page.missing_permissions:
                result.warnings.extend(_ensure_get_started(page))
                queue_import(page.id)  # earlier conversations: webhooks only bring new ones
    if result.connected:
        result.warnings.extend(ensure_webhook_registered())
    return result


def _save(user: User, choice: PageChoice) -> Page:
    account = choice.account
    page = choice.page or Page(workspace_id=user.workspace_id, facebook_page_id=account.id)
    page.name, page.username, page.category = account.name, account.username, account.category
    page.tasks = list(account.tasks)
    page.connected_by = user
    page.connected_at = utcnow()
    mark_connected(page, account.access_token or "", missing=_missing(user))
    db.session.add(page)
    db.session.commit()
    return page


def _missing(user: User) -> list[str]:
    return permissions.missing_requested(user.facebook_permissions or {})


def _subscribe(user: User, page: Page) -> list[str]:
    """Subscribe the app to the Page's webhook fields the granted permissions allow."""
    fields = webhook_fields_for(user.facebook_permissions or {})
    if not fields:
        return [
            f"{page.name}: Herald cannot receive its events without 'Page webhooks and settings'."
        ]
    try:
        graph_for(page).subscribe_page(page.facebook_page_id, fields)
    except GraphError as exc:
        react_to(page, exc, permission="pages_manage_metadata")
        return [f"{page.name}: Facebook refused the webhook subscription ({exc.message})."]
    page.subscribed_fields = fields
    db.session.commit()
    return []


GET_STARTED_PAYLOAD = "GET_STARTED"


def _ensure_get_started(page: Page) -> list[str]:
    """Give the Page a Get Started button if it has none.

    Messenger passes an m.me link's ref to a new conversation only through Get Started, so
    growth links would lose their ref without it. An existing button is left as it is.
    """
    try:
        client = graph_for(page)
        if not client.messenger_profile(page.facebook_page_id, ("get_started",)).get("get_started"):
            profile = {"get_started": {"payload": GET_STARTED_PAYLOAD}}
            client.set_messenger_profile(page.facebook_page_id, profile)
    except GraphError as exc:
        react_to(page, exc, "pages_messaging")
        return [f"{page.name}: the Get Started button could not be set ({exc.message})."]
    return []


def ensure_webhook_registered() -> list[str]:
    """Make sure the app's webhook points at this Herald (POST /{app-id}/subscriptions)."""
    from flask import current_app

    config = current_app.config
    callback = public_url("webhooks.receive")
    fields = [*MESSAGING_FIELDS, *FEED_FIELDS]
    client = graph_for_app()
    try:
        current = client.app_subscriptions(config["FACEBOOK_APP_ID"])
        if any(_covers(sub, callback, fields) for sub in current):
            return []
        client.subscribe_app(
            config["FACEBOOK_APP_ID"], callback, config["FACEBOOK_VERIFY_TOKEN"], fields
        )
    except GraphError as exc:
        log.warning("webhook registration failed: %s", exc)
        return [
            f"Facebook did not accept {callback} as the webhook ({exc.message}). Set it in the "
            "Meta app dashboard, or run `flask --app app facebook register-webhook` once it is "
            "reachable."
        ]
    return []


def _covers(subscription: AppSubscription, callback: str, fields: list[str]) -> bool:
    return (
        subscription.object == "page"
        and subscription.callback_url == callback
        and set(fields) <= set(subscription.fields)
    )


def disconnect(page: Page) -> None:
    """Stop receiving and sending for `page`; its subscribers and history are kept."""
    if page.is_usable:
        try:
            graph_for(page).unsubscribe_page(page.facebook_page_id)
        except GraphError as exc:  # a dead token cannot unsubscribe; Facebook stops anyway
            log.info("unsubscribing page %s failed: %s", page.id, exc)
    page.status = PageStatus.DISCONNECTED
    page.status_reason = None
    page.access_token = None
    page.subscribed_fields = []
    page.disconnected_at = utcnow()
    db.session.commit()
