"""Page nodes: ``GET /{page-id}`` and ``/{page-id}/subscribed_apps``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import App, Page, PageRole, PageSubscription, Token
from sandbox.services import tokens
from sandbox.webhooks import events, health

PAGE_FIELDS = frozenset(
    {
        "id",
        "name",
        "username",
        "category",
        "category_list",
        "fan_count",
        "followers_count",
        "link",
        "access_token",
        "picture",
    }
)
MESSENGER_FIELDS = frozenset(
    {
        "messages",
        "message_deliveries",
        "message_reads",
        "message_echoes",
        "message_edits",
        "message_reactions",
        "messaging_postbacks",
        "messaging_optins",
        "messaging_referrals",
        "messaging_handovers",
        "messaging_policy_enforcement",
        "messaging_account_linking",
        "messaging_game_plays",
        "standby",
    }
)
PAGE_WEBHOOK_FIELDS = MESSENGER_FIELDS | {"feed", "mention", "name", "picture", "ratings"}


def register(router: GraphRouter) -> None:
    """Register the Page node handlers."""
    router.edge("page", "GET")(get_page)
    router.edge("page", "GET", "subscribed_apps")(list_subscribed_apps)
    router.edge("page", "POST", "subscribed_apps")(subscribe_app)
    router.edge("page", "DELETE", "subscribed_apps")(unsubscribe_app)


def avatar_url(ctx: CallContext, object_id: str) -> str:
    """Return the sandbox-served avatar of a Page, person or user."""
    return f"{ctx.request.base_url}/_sandbox/avatars/{object_id}.svg"


def render_page(
    ctx: CallContext,
    page: Page,
    fields: list[str],
    *,
    access_token: str | None = None,
    tasks: list[str] | None = None,
) -> dict[str, Any]:
    """Return the requested fields of a Page (``access_token`` only when one is given)."""
    values: dict[str, Any] = {
        "id": page.id,
        "name": page.name,
        "username": page.username,
        "category": page.category,
        "category_list": [{"id": page.category_id, "name": page.category}],
        "fan_count": page.fan_count,
        "followers_count": page.followers_count,
        "link": page.link(),
        "picture": {
            "data": {
                "height": 50,
                "width": 50,
                "is_silhouette": False,
                "url": avatar_url(ctx, page.id),
            }
        },
        "access_token": access_token,
        "tasks": tasks,
    }
    return {name: values[name] for name in fields if values.get(name) is not None}


def check_fields(fields: list[str], allowed: frozenset[str], node_type: str) -> None:
    """Raise 100 for the first requested field the node type does not have."""
    for name in fields:
        if name not in allowed:
            raise errors.nonexisting_field(name, node_type)


def get_page(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return a Page's fields; ``access_token`` yields the Page token to a managing user."""
    fields = ctx.request.fields(["name", "id"])
    check_fields(fields, PAGE_FIELDS, "Page")
    token = _page_token(ctx, node.id) if "access_token" in fields else None
    page = ctx.session.get(Page, node.id)
    assert page is not None
    return render_page(ctx, page, fields, access_token=token)


def _page_token(ctx: CallContext, page_id: str) -> str | None:
    auth = ctx.auth
    if auth.kind == "PAGE":
        return auth.token if auth.page_id == page_id else None
    if auth.kind != "USER" or page_id not in auth.shared_page_ids:
        return None
    session = ctx.writable()
    auth = ctx.auth
    role = session.scalar(
        select(PageRole).where(PageRole.page_id == page_id, PageRole.user_id == auth.user_id)
    )
    parent = session.get(Token, auth.token_id)
    if role is None or parent is None:
        return None
    return tokens.page_token_for(session, parent, page_id, ctx.now_ms).token


def _page_admin_auth(ctx: CallContext, node: Node) -> None:
    auth = ctx.auth
    auth.require_page_token()
    if auth.page_id != node.id:
        raise errors.unsupported_request(ctx.request.method, node.id)
    auth.require("pages_manage_metadata")


def list_subscribed_apps(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List the apps subscribed to the Page and their fields."""
    _page_admin_auth(ctx, node)
    rows = ctx.session.execute(
        select(PageSubscription, App)
        .join(App, App.id == PageSubscription.app_id)
        .where(PageSubscription.page_id == node.id)
        .order_by(PageSubscription.id)
    ).all()
    return {
        "data": [
            {
                "category": app.category,
                "link": f"https://www.facebook.com/games/?app_id={app.id}",
                "name": app.name,
                "id": app.id,
                "subscribed_fields": list(sub.fields),
            }
            for sub, app in rows
        ]
    }


def subscribe_app(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Subscribe the token's app to the Page's webhook fields (replacing the previous set)."""
    _page_admin_auth(ctx, node)
    fields = ctx.request.names("subscribed_fields")
    if not fields:
        raise errors.invalid_param("The parameter subscribed_fields is required")
    for index, name in enumerate(fields):
        if name not in PAGE_WEBHOOK_FIELDS:
            raise errors.invalid_param(
                f"param subscribed_fields[{index}] must be one of "
                f'{{{", ".join(sorted(PAGE_WEBHOOK_FIELDS))}}} - got "{name}"'
            )
        if name in MESSENGER_FIELDS and not ctx.auth.has("pages_messaging"):
            raise errors.GraphError(
                200,
                f"To subscribe to the {name} field, one of these permissions is needed: "
                "pages_messaging",
            )
    session, app_id = ctx.session, ctx.auth.app_id
    row = session.scalar(
        select(PageSubscription).where(
            PageSubscription.page_id == node.id, PageSubscription.app_id == app_id
        )
    )
    if row is None:
        session.add(
            PageSubscription(page_id=node.id, app_id=app_id, fields=list(dict.fromkeys(fields)))
        )
    else:
        row.fields = list(dict.fromkeys(fields))
    health.reset(session, app_id)
    events.forget_subscriptions(ctx.session, ctx.shared.memo, node.id)
    return {"success": True}


def unsubscribe_app(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Remove the token's app from the Page's subscriptions."""
    _page_admin_auth(ctx, node)
    row = ctx.session.scalar(
        select(PageSubscription).where(
            PageSubscription.page_id == node.id, PageSubscription.app_id == ctx.auth.app_id
        )
    )
    if row is not None:
        ctx.session.delete(row)
    events.forget_subscriptions(ctx.session, ctx.shared.memo, node.id)
    return {"success": True}
