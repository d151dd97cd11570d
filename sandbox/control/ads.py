"""Control API: people clicking click-to-Messenger ads, and every ad object with its status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from sandbox.control.common import ControlError, body, deliver, get_or_404, sandbox, text
from sandbox.ids import new_numeric_id
from sandbox.models import Ad, AdAccount, AdCreative, AdSet, Campaign, Person, User
from sandbox.services import ad_clicks, ads
from sandbox.services.people import ActionRefused

bp = Blueprint("control_ads", __name__, url_prefix="/_sandbox")


@bp.post("/ad_accounts")
def create_ad_account() -> tuple[Response, int]:
    """Create an ad account owned by a user: ``{user_id, name, currency?, timezone_name?, id?}``."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        user = get_or_404(session, User, text(data, "user_id", required=True), "user")
        account = AdAccount(
            id=text(data, "id") or new_numeric_id(15, "1"),
            name=text(data, "name", required=True),
            owner_user_id=user.id,
            currency=text(data, "currency") or "USD",
            timezone_name=text(data, "timezone_name") or "America/Los_Angeles",
            account_status=1,
            created_at=sb.now_ms(),
        )
        if session.get(AdAccount, account.id) is not None:
            raise ControlError(409, f"ad account {account.id} already exists")
        session.add(account)
        return jsonify({"id": f"act_{account.id}", "account_id": account.id}), 201


@bp.post("/people/<person_id>/ad_click")
def ad_click(person_id: str) -> Response:
    """The person clicks an ad: ``{ad_id, ref?, text?}``; the ad must be delivering."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = get_or_404(session, Person, person_id, "person")
        ad = get_or_404(session, Ad, text(data, "ad_id", required=True), "ad")
        adset, campaign = session.get(AdSet, ad.adset_id), session.get(Campaign, ad.campaign_id)
        status = ads.ad_effective_status(ad, adset, campaign, sb.now_ms())
        if status != "ACTIVE":
            raise ControlError(409, f"the ad is not delivering (effective_status {status})")
        try:
            result = ad_clicks.click(
                session,
                person,
                ad,
                at=sb.now_ms(),
                ref=text(data, "ref"),
                text=text(data, "text"),
            )
        except ActionRefused as exc:
            raise ControlError(409, str(exc)) from exc
    return jsonify(
        {"psid": result.psid, "mid": result.mid, **result.extra, **deliver(result.event_ids)}
    )


@bp.get("/ads")
def list_ads() -> Response:
    """Every ad account, campaign, ad set, creative and ad, with configured and effective status."""
    sb = sandbox()
    now = sb.now_ms()
    with sb.db.read() as session:
        campaigns = {c.id: c for c in session.scalars(select(Campaign).order_by(Campaign.id))}
        adsets = {s.id: s for s in session.scalars(select(AdSet).order_by(AdSet.id))}
        creatives = session.scalars(select(AdCreative).order_by(AdCreative.id)).all()
        return jsonify(
            {
                "accounts": [
                    {"id": f"act_{a.id}", "name": a.name, "currency": a.currency}
                    for a in session.scalars(select(AdAccount).order_by(AdAccount.id))
                ],
                "campaigns": [_campaign(c) for c in campaigns.values()],
                "adsets": [_adset(s, campaigns[s.campaign_id]) for s in adsets.values()],
                "creatives": [_creative(c) for c in creatives],
                "ads": [
                    _ad(ad, adsets[ad.adset_id], campaigns[ad.campaign_id], now)
                    for ad in session.scalars(select(Ad).order_by(Ad.id))
                ],
            }
        )


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "account_id": c.account_id,
        "name": c.name,
        "objective": c.objective,
        "status": c.status,
        "effective_status": c.status,
    }


def _adset(s: AdSet, campaign: Campaign) -> dict[str, Any]:
    return {
        "id": s.id,
        "campaign_id": s.campaign_id,
        "name": s.name,
        "daily_budget": s.daily_budget,
        "lifetime_budget": s.lifetime_budget,
        "optimization_goal": s.optimization_goal,
        "destination_type": s.destination_type,
        "page_id": s.promoted_object.get("page_id"),
        "status": s.status,
        "effective_status": ads.adset_effective_status(s, campaign),
    }


def _creative(c: AdCreative) -> dict[str, Any]:
    link_data = c.object_story_spec.get("link_data") or {}
    return {
        "id": c.id,
        "name": c.name,
        "page_id": c.page_id,
        "post_id": c.post_id,
        "message": link_data.get("message"),
        "title": link_data.get("name"),
        "call_to_action": (link_data.get("call_to_action") or {}).get("type"),
    }


def _ad(ad: Ad, adset: AdSet, campaign: Campaign, now: int) -> dict[str, Any]:
    return {
        "id": ad.id,
        "name": ad.name,
        "adset_id": ad.adset_id,
        "campaign_id": ad.campaign_id,
        "creative_id": ad.creative_id,
        "page_id": adset.promoted_object.get("page_id"),
        "status": ad.status,
        "effective_status": ads.ad_effective_status(ad, adset, campaign, now),
        "review_ends_at": ad.review_ends_at,
        "delivery": ad.delivery,
    }
