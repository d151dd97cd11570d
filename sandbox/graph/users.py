"""User nodes: ``/me``, ``/me/permissions`` and ``/me/accounts``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.pages import PAGE_FIELDS, avatar_url, check_fields, render_page
from sandbox.graph.paging import paginate
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import App, Page, PageRole, Token, User
from sandbox.services import tokens
from sandbox.webhooks import events
from sandbox.webhooks.signed_request import make_signed_request

USER_FIELDS = frozenset(
    {"id", "name", "email", "first_name", "last_name", "short_name", "name_format", "picture"}
)
ACCOUNT_FIELDS = PAGE_FIELDS | {"tasks"}
DEFAULT_ACCOUNT_FIELDS = ["access_token", "category", "category_list", "name", "id", "tasks"]


def register(router: GraphRouter) -> None:
    """Register the user node handlers."""
    router.edge("user", "GET")(get_user)
    router.edge("user", "GET", "permissions", deeper=True)(list_permissions)
    router.edge("user", "DELETE", "permissions", deeper=True)(revoke_permissions)
    router.edge("user", "GET", "accounts")(list_accounts)


def get_user(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return the app-scoped user's fields; ``email`` only when granted."""
    fields = ctx.request.fields(["name", "id"])
    check_fields(fields, USER_FIELDS, "User")
    user: User = node.obj
    auth = ctx.auth
    grant = tokens.grant_for(ctx.session, user.id, auth.app_id)
    email_ok = grant is not None and "email" in grant.granted()
    first, _, last = user.name.partition(" ")
    values: dict[str, Any] = {
        "id": node.id,
        "name": user.name,
        "email": user.email if email_ok else None,
        "first_name": first,
        "last_name": last or None,
        "short_name": first,
        "name_format": "{first} {last}",
        "picture": {
            "data": {
                "height": 50,
                "width": 50,
                "is_silhouette": False,
                "url": avatar_url(ctx, node.id),
            }
        },
    }
    return {name: values[name] for name in fields if values.get(name) is not None}


def _target_user(ctx: CallContext, node: Node) -> tuple[str, str]:
    auth = ctx.auth
    if auth.kind == "PAGE":
        raise errors.unsupported_request(ctx.request.method, node.id)
    return node.obj.id, auth.app_id


def list_permissions(ctx: CallContext, node: Node, rest: list[str]) -> dict[str, Any]:
    """Return each permission the user granted or declined to the app."""
    user_id, app_id = _target_user(ctx, node)
    grant = tokens.grant_for(ctx.session, user_id, app_id)
    statuses = dict(grant.permissions) if grant else {}
    if rest:
        statuses = {rest[0]: statuses[rest[0]]} if rest[0] in statuses else {}
    return {"data": [{"permission": p, "status": s} for p, s in statuses.items()]}


def revoke_permissions(ctx: CallContext, node: Node, rest: list[str]) -> dict[str, bool]:
    """Revoke one permission, or de-authorize the app entirely when none is named."""
    user_id, app_id = _target_user(ctx, node)
    session, now = ctx.session, ctx.now_ms
    if rest:
        permission = rest[0]
        if permission == tokens.ALWAYS_GRANTED:
            raise errors.invalid_param(
                "public_profile cannot be revoked alone; DELETE /me/permissions removes the app"
            )
        tokens.set_permission_status(
            session,
            user_id=user_id,
            app_id=app_id,
            permission=permission,
            status="declined",
            now=now,
        )
        return {"success": True}
    asid = tokens.asid_for(session, user_id, app_id)
    tokens.deauthorize(session, user_id=user_id, app_id=app_id, now=now)
    app = session.get(App, app_id)
    if app is not None and app.deauthorize_callback_url:
        signed = make_signed_request(app.secret, {"issued_at": now // 1000, "user_id": asid})
        events.enqueue_callback(
            session,
            app_id=app_id,
            kind="deauthorize",
            url=app.deauthorize_callback_url,
            form={"signed_request": signed},
            now=now,
        )
        ctx.shared.notify_dispatcher = True
    ctx.shared.auth.clear()
    return {"success": True}


def list_accounts(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List the Pages the user shared with the app, each with its Page token and tasks."""
    fields = ctx.request.fields(DEFAULT_ACCOUNT_FIELDS)
    check_fields(fields, ACCOUNT_FIELDS, "Page")
    session = ctx.writable() if "access_token" in fields else ctx.session
    auth = ctx.auth
    if auth.kind != "USER" or node.id != auth.asid:
        raise errors.unsupported_request("GET", node.id)
    auth.require("pages_show_list")
    rows = session.execute(
        select(PageRole, Page)
        .join(Page, Page.id == PageRole.page_id)
        .where(PageRole.user_id == auth.user_id, PageRole.page_id.in_(auth.shared_page_ids))
        .order_by(PageRole.id)
    ).all()
    chunk, paging = paginate(ctx, rows, lambda row: row[1].id, f"{node.id}/accounts")
    parent = session.get(Token, auth.token_id) if "access_token" in fields else None
    data = []
    for role, page in chunk:
        token = (
            tokens.page_token_for(session, parent, page.id, ctx.now_ms).token if parent else None
        )
        data.append(render_page(ctx, page, fields, access_token=token, tasks=list(role.tasks)))
    result: dict[str, Any] = {"data": data}
    if paging:
        result["paging"] = paging
    return result
