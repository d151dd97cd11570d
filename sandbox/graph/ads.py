"""The Marketing API's reads: ad accounts (``act_{id}``), their campaigns, ad sets, creatives and
ads, and any of them by id.

Ad objects are visible to the user who owns the ad account, through a user token of theirs with
``ads_management`` or ``ads_read``. Lists leave out DELETED objects unless ``effective_status``
asks for them; without ``fields`` Graph returns only ids.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.auth import AuthContext
from sandbox.graph.context import CallContext
from sandbox.graph.pages import check_fields
from sandbox.graph.paging import paginate
from sandbox.graph.render import graph_time, pick
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Ad, AdAccount, AdCreative, AdSet, Campaign, PageRole
from sandbox.services import ads

KINDS: dict[str, type] = {"campaign": Campaign, "adset": AdSet, "adcreative": AdCreative, "ad": Ad}
EDGE_KINDS = {"campaigns": "campaign", "adsets": "adset", "adcreatives": "adcreative", "ads": "ad"}
ACCOUNT_FIELDS = frozenset(
    {"id", "account_id", "name", "currency", "account_status", "timezone_name", "amount_spent"}
)
COMMON = {"id", "account_id", "name", "status", "configured_status", "effective_status"}
TIMES = {"created_time", "updated_time"}
FIELDS: dict[str, frozenset[str]] = {
    "campaign": frozenset(COMMON | TIMES | {"objective", "special_ad_categories", "buying_type"}),
    "adset": frozenset(
        COMMON
        | {"campaign_id", "daily_budget", "lifetime_budget", "billing_event", "optimization_goal"}
        | {"destination_type", "bid_strategy", "bid_amount", "promoted_object", "targeting"}
        | {"start_time", "end_time"}
        | TIMES
    ),
    "adcreative": frozenset(
        {"id", "account_id", "name", "status", "object_story_spec", "object_type"}
        | {"effective_object_story_id", "call_to_action_type"}
    ),
    "ad": frozenset(COMMON | TIMES | {"campaign_id", "adset_id", "creative"}),
}


def register(router: GraphRouter) -> None:
    """Register the ad resolvers and read handlers."""
    router.resolver(resolve_ad_account)
    router.resolver(resolve_ad_object)
    router.edge("user", "GET", "adaccounts")(list_ad_accounts)
    router.edge("adaccount", "GET")(get_ad_account)
    for edge in EDGE_KINDS:
        router.edge("adaccount", "GET", edge)(list_objects)
    router.edge("campaign", "GET", "adsets")(list_objects)
    router.edge("campaign", "GET", "ads")(list_objects)
    router.edge("adset", "GET", "ads")(list_objects)
    for kind in KINDS:
        router.edge(kind, "GET")(get_object)


def _owned_by_caller(ctx: CallContext, account: AdAccount | None) -> bool:
    auth = ctx.auth
    return account is not None and auth.kind == "USER" and auth.user_id == account.owner_user_id


def resolve_ad_account(ctx: CallContext, ident: str) -> Node | None:
    """``act_{id}``, visible to its owner's user tokens."""
    if not ident.startswith("act_"):
        return None
    account = ctx.session.get(AdAccount, ident.removeprefix("act_"))
    return Node("adaccount", ident, account) if _owned_by_caller(ctx, account) else None


def resolve_ad_object(ctx: CallContext, ident: str) -> Node | None:
    """A campaign, ad set, creative or ad by id, visible to the account owner's user tokens."""
    if not ident.isdigit():
        return None
    for kind, model in KINDS.items():
        row = ctx.session.get(model, ident)
        if row is not None:
            account = ctx.session.get(AdAccount, row.account_id)
            return Node(kind, ident, row) if _owned_by_caller(ctx, account) else None
    return None


def ads_reader(ctx: CallContext) -> AuthContext:
    """Return the caller's auth if it may read ads (``ads_read`` or ``ads_management``)."""
    auth = ctx.auth
    if not (auth.has("ads_management") or auth.has("ads_read")):
        raise GraphError(
            200, "Ad account owner has NOT grant ads_management or ads_read permission"
        )
    return auth


def ads_writer(ctx: CallContext) -> AuthContext:
    """Return the caller's auth if it may manage ads (``ads_management``)."""
    auth = ads_reader(ctx)
    auth.require("ads_management")
    return auth


def advertiser_of_page(ctx: CallContext, page_id: str, param: str) -> None:
    """Check the caller may advertise for a Page: permissions, the Page shared, ADVERTISE task."""
    auth = ctx.auth
    if page_id not in auth.shared_page_ids:
        raise errors.invalid_param(f"param {param} must be the id of a Page you granted this app")
    for permission in ("pages_manage_ads", "pages_read_engagement", "pages_show_list"):
        auth.require(permission)
    tasks = ctx.session.scalar(
        select(PageRole.tasks).where(PageRole.page_id == page_id, PageRole.user_id == auth.user_id)
    )
    if not tasks or not ({"ADVERTISE", "MANAGE"} & set(tasks)):
        raise errors.insufficient_task("ADVERTISE")


def render_account(account: AdAccount, fields: list[str]) -> dict[str, Any]:
    """Return the requested fields of an ad account."""
    values = {
        "id": f"act_{account.id}",
        "account_id": account.id,
        "name": account.name,
        "currency": account.currency,
        "account_status": account.account_status,
        "timezone_name": account.timezone_name,
        "amount_spent": "0",
    }
    return pick(values, fields)


def effective_status(ctx: CallContext, kind: str, row: Any) -> str:
    """Return an object's effective status now."""
    if kind in ("campaign", "adcreative"):
        return row.status
    campaign = ctx.session.get(Campaign, row.campaign_id)
    if kind == "adset":
        return ads.adset_effective_status(row, campaign)
    adset = ctx.session.get(AdSet, row.adset_id)
    return ads.ad_effective_status(row, adset, campaign, ctx.now_ms)


def render_object(ctx: CallContext, kind: str, row: Any, fields: list[str]) -> dict[str, Any]:
    """Return the requested fields of a campaign, ad set, creative or ad."""
    values: dict[str, Any] = {
        "id": row.id,
        "account_id": row.account_id,
        "name": row.name,
        "status": row.status,
        "configured_status": row.status,
        "effective_status": effective_status(ctx, kind, row),
    }
    for name in fields:
        if name not in values and hasattr(row, name):
            values[name] = getattr(row, name)
    for name in ("created_time", "updated_time", "start_time", "end_time"):
        column = {"created_time": "created_at", "updated_time": "updated_at"}.get(name, name)
        if getattr(row, column, None):
            values[name] = graph_time(getattr(row, column))
    for name in ("daily_budget", "lifetime_budget", "bid_amount"):
        if getattr(row, name, None) is not None:
            values[name] = str(getattr(row, name))  # Graph returns amounts as strings
    if kind == "adcreative":
        values["object_type"] = "SHARE"
        values["effective_object_story_id"] = row.post_id
        cta = (row.object_story_spec.get("link_data") or {}).get("call_to_action") or {}
        values["call_to_action_type"] = cta.get("type")
    if kind == "ad":
        values["creative"] = {"id": row.creative_id}
    return pick(values, fields)


def list_ad_accounts(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List the user's ad accounts."""
    auth = ctx.auth
    if auth.kind != "USER" or node.id != auth.asid:
        raise errors.unsupported_request("GET", node.id)
    ads_reader(ctx)
    fields = ctx.request.fields(["account_id", "id"])
    check_fields(fields, ACCOUNT_FIELDS, "AdAccount")
    accounts = ctx.session.scalars(
        select(AdAccount).where(AdAccount.owner_user_id == auth.user_id).order_by(AdAccount.id)
    ).all()
    chunk, paging = paginate(ctx, accounts, lambda a: a.id, f"{node.id}/adaccounts")
    result: dict[str, Any] = {"data": [render_account(a, fields) for a in chunk]}
    if paging:
        result["paging"] = paging
    return result


def get_ad_account(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return an ad account's fields."""
    ads_reader(ctx)
    fields = ctx.request.fields(["account_id", "id"])
    check_fields(fields, ACCOUNT_FIELDS, "AdAccount")
    return render_account(node.obj, fields)


def list_objects(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List an account's (or a campaign's, an ad set's) campaigns, ad sets, creatives or ads."""
    ads_reader(ctx)
    edge = ctx.request.segments[1]
    kind = EDGE_KINDS[edge]
    model = KINDS[kind]
    fields = ctx.request.fields(["id"])
    check_fields(fields, FIELDS[kind], model.__name__)
    query = select(model)
    if node.kind == "adaccount":
        query = query.where(model.account_id == node.obj.id)
    elif node.kind == "campaign":
        query = query.where(model.campaign_id == node.id)
    else:
        query = query.where(model.adset_id == node.id)
    rows = ctx.session.scalars(query.order_by(model.created_at.desc(), model.id)).all()
    wanted = ctx.request.names("effective_status")
    rows = [
        r
        for r in rows
        if (effective_status(ctx, kind, r) in wanted if wanted else r.status != "DELETED")
    ]
    chunk, paging = paginate(ctx, rows, lambda r: r.id, f"{node.id}/{edge}")
    result: dict[str, Any] = {"data": [render_object(ctx, kind, r, fields) for r in chunk]}
    if paging:
        result["paging"] = paging
    return result


def get_object(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return a campaign's, ad set's, creative's or ad's fields."""
    ads_reader(ctx)
    fields = ctx.request.fields(["id"])
    check_fields(fields, FIELDS[node.kind], KINDS[node.kind].__name__)
    return render_object(ctx, node.kind, node.obj, fields)
