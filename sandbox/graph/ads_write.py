"""The Marketing API's writes: create campaigns, ad sets, creatives and ads under ``act_{id}``;
change status (and name, budget) with ``POST /{object-id}``; ``DELETE /{object-id}``.

Creating or turning on an ad starts its review (PENDING_REVIEW for ``ad_review_seconds``); a
status change anywhere in a campaign updates the delivery periods of the ads below it.
"""

from __future__ import annotations

from typing import Any

from sandbox import errors
from sandbox.graph import ads_validation as check
from sandbox.graph.ads import ads_writer, advertiser_of_page
from sandbox.graph.context import CallContext
from sandbox.graph.router import GraphRouter, Node
from sandbox.ids import new_numeric_id
from sandbox.models import Ad, AdAccount, AdCreative, AdSet, Campaign, Page
from sandbox.services import ads, feed

ID_LEADS = {"campaign": "2385", "adset": "2386", "adcreative": "2387", "ad": "2388"}


def register(router: GraphRouter) -> None:
    """Register the ad write handlers."""
    router.edge("adaccount", "POST", "campaigns")(create_campaign)
    router.edge("adaccount", "POST", "adsets")(create_adset)
    router.edge("adaccount", "POST", "adcreatives")(create_creative)
    router.edge("adaccount", "POST", "ads")(create_ad)
    for kind in ("campaign", "adset", "ad"):
        router.edge(kind, "POST")(update_object)
        router.edge(kind, "DELETE")(delete_object)


def _new_id(kind: str) -> str:
    return new_numeric_id(17, ID_LEADS[kind])


def _in_account(
    ctx: CallContext, model: type, ident: str | None, account: AdAccount, name: str
) -> Any:
    """Return a live object of this account named by parameter ``name``, or raise 100."""
    row = ctx.session.get(model, ident) if ident else None
    if row is None or row.account_id != account.id or row.status == "DELETED":
        raise errors.invalid_param(
            f"param {name} must be the id of a {model.__name__} of this account"
        )
    return row


def create_campaign(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Create a campaign."""
    ads_writer(ctx)
    values = check.campaign_params(ctx.request)
    now = ctx.now_ms
    campaign = Campaign(
        id=_new_id("campaign"), account_id=node.obj.id, created_at=now, updated_at=now, **values
    )
    ctx.session.add(campaign)
    return {"id": campaign.id}


def create_adset(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Create an ad set in a campaign of the account."""
    ads_writer(ctx)
    campaign = _in_account(ctx, Campaign, ctx.request.text("campaign_id"), node.obj, "campaign_id")
    values = check.adset_params(ctx.request, campaign.objective)
    advertiser_of_page(ctx, values["promoted_object"]["page_id"], "promoted_object[page_id]")
    now = ctx.now_ms
    values["start_time"] = values["start_time"] or now
    adset = AdSet(
        id=_new_id("adset"),
        account_id=node.obj.id,
        campaign_id=campaign.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    ctx.session.add(adset)
    return {"id": adset.id}


def create_creative(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Create a creative; like Meta, this publishes an unpublished Page post for it."""
    ads_writer(ctx)
    values = check.creative_params(ctx.request)
    spec = values["object_story_spec"]
    page_id = str(spec["page_id"])
    advertiser_of_page(ctx, page_id, "object_story_spec[page_id]")
    page = ctx.session.get(Page, page_id)
    assert page is not None
    link_data = spec["link_data"]
    post, _ = feed.create_post(
        ctx.session,
        page,
        message=link_data.get("message"),
        link=link_data.get("link"),
        at=ctx.now_ms,
        published=False,
    )
    creative = AdCreative(
        id=_new_id("adcreative"),
        account_id=node.obj.id,
        name=values["name"],
        page_id=page_id,
        object_story_spec=spec,
        post_id=post.id,
        status="ACTIVE",
        created_at=ctx.now_ms,
    )
    ctx.session.add(creative)
    return {"id": creative.id}


def create_ad(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Create an ad from an ad set and a creative (``creative={"creative_id": ...}``)."""
    ads_writer(ctx)
    request = ctx.request
    name = check.required_text(request, "name")
    adset = _in_account(ctx, AdSet, request.text("adset_id"), node.obj, "adset_id")
    spec = check.json_object(request, "creative")
    assert spec is not None
    creative = _in_account(
        ctx, AdCreative, str(spec.get("creative_id") or ""), node.obj, "creative[creative_id]"
    )
    if creative.page_id != adset.promoted_object.get("page_id"):
        raise errors.invalid_param("The creative's Page must be the ad set's promoted Page")
    messenger = check.is_messenger_creative(creative.object_story_spec)
    if adset.destination_type == "MESSENGER" and not messenger:
        raise errors.invalid_param(
            "An ad set with destination_type MESSENGER needs a creative whose call_to_action is "
            "MESSAGE_PAGE"
        )
    status = check.status(request)
    now = ctx.now_ms
    ad = Ad(
        id=_new_id("ad"),
        account_id=node.obj.id,
        campaign_id=adset.campaign_id,
        adset_id=adset.id,
        creative_id=creative.id,
        name=name,
        status=status,
        review_ends_at=None,
        delivery=[],
        created_at=now,
        updated_at=now,
    )
    ctx.session.add(ad)
    ctx.session.flush()
    ads.refresh(ctx.session, now, ctx.sandbox.settings["ad_review_seconds"], ad_id=ad.id)
    return {"id": ad.id}


def _set_status(ctx: CallContext, node: Node, status: str) -> None:
    row = node.obj
    if row.status == "DELETED" and status != "DELETED":
        raise errors.invalid_param(f"The {node.type_name} was deleted and cannot be changed")
    row.status = status
    row.updated_at = ctx.now_ms
    ctx.session.flush()
    scope = {"campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}[node.kind]
    ads.refresh(
        ctx.session, ctx.now_ms, ctx.sandbox.settings["ad_review_seconds"], **{scope: row.id}
    )


def update_object(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Change ``status`` (ACTIVE, PAUSED, ARCHIVED, DELETED), ``name`` or an ad set's budget."""
    ads_writer(ctx)
    request = ctx.request
    status = request.text("status")
    if status is not None and status not in ads.CONFIGURED_STATUSES:
        raise errors.invalid_param(
            f"param status must be one of {{{', '.join(ads.CONFIGURED_STATUSES)}}}"
        )
    budget = request.text("daily_budget")
    if budget is not None and (
        node.kind != "adset" or not budget.isdigit() or int(budget) < check.MIN_BUDGET
    ):
        raise errors.invalid_param(
            f"param daily_budget must be an integer of at least {check.MIN_BUDGET}"
        )
    if status is None and budget is None and not request.text("name"):
        raise errors.invalid_param("Give status, name or daily_budget to change")
    if request.text("name"):
        node.obj.name = request.text("name")
    if budget is not None:
        node.obj.daily_budget, node.obj.lifetime_budget = int(budget), None
    if status is not None:
        _set_status(ctx, node, status)
    node.obj.updated_at = ctx.now_ms
    return {"success": True}


def delete_object(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Delete a campaign, ad set or ad (its status becomes DELETED)."""
    ads_writer(ctx)
    _set_status(ctx, node, "DELETED")
    return {"success": True}
