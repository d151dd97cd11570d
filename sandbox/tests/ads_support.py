"""Helpers for the Marketing API tests: an advertiser's token and a click-to-Messenger recipe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from sandbox.tests.conftest import ALL_SCOPES, World, control, graph

ADS_SCOPES = [*ALL_SCOPES, "ads_management", "pages_manage_ads"]
CTA = {"type": "MESSAGE_PAGE", "value": {"app_destination": "MESSENGER"}}


@dataclass
class Advertiser:
    """The world's user with an ad account and a token allowed to manage ads."""

    world: World
    account: str  # act_{id}
    token: str

    def call(self, client: FlaskClient, method: str, path: str, **params: Any) -> Any:
        """Make a Marketing API call with the advertiser's token."""
        return graph(client, method, f"/v25.0/{path}", self.token, **params)

    def create(self, client: FlaskClient, edge: str, **params: Any) -> str:
        """Create an object under the ad account and return its id (asserting success)."""
        response = self.call(client, "POST", f"{self.account}/{edge}", **params)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]


def advertiser(client: FlaskClient, world: World, scopes: list[str] | None = None) -> Advertiser:
    """Give the world's user an ad account and a token with ``scopes`` (ads ones by default)."""
    account = control(client, "ad_accounts", {"user_id": world.user_id, "name": "Acme ads"})["id"]
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": scopes or ADS_SCOPES})[
        "access_token"
    ]
    return Advertiser(world, account, token)


def campaign_params(**overrides: Any) -> dict[str, Any]:
    """A valid click-to-Messenger campaign."""
    return {
        "name": "Autumn menu",
        "objective": "OUTCOME_ENGAGEMENT",
        "special_ad_categories": [],
        "status": "PAUSED",
        **overrides,
    }


def adset_params(campaign_id: str, page_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid Messenger ad set."""
    return {
        "name": "Nearby coffee lovers",
        "campaign_id": campaign_id,
        "daily_budget": 2400,
        "billing_event": "IMPRESSIONS",
        "optimization_goal": "CONVERSATIONS",
        "destination_type": "MESSENGER",
        "promoted_object": {"page_id": page_id},
        "targeting": {"geo_locations": {"countries": ["US"]}},
        "status": "PAUSED",
        **overrides,
    }


def creative_params(page_id: str, **link_data: Any) -> dict[str, Any]:
    """A valid click-to-Messenger creative."""
    return {
        "name": "Autumn creative",
        "object_story_spec": {
            "page_id": page_id,
            "link_data": {
                "name": "Autumn menu at Acme",
                "message": "Pumpkin spice is back. Message us!",
                "link": "https://acme.example/autumn",
                "picture": "https://acme.example/autumn.jpg",
                "call_to_action": CTA,
                **link_data,
            },
        },
    }


@dataclass
class Recipe:
    """The ids of a campaign, ad set, creative and ad created together."""

    campaign: str
    adset: str
    creative: str
    ad: str


def create_ad(client: FlaskClient, adv: Advertiser, status: str = "PAUSED") -> Recipe:
    """Create the whole click-to-Messenger recipe; every object gets ``status``."""
    page_id = adv.world.page_id
    campaign = adv.create(client, "campaigns", **campaign_params(status=status))
    adset = adv.create(client, "adsets", **adset_params(campaign, page_id, status=status))
    creative = adv.create(client, "adcreatives", **creative_params(page_id))
    ad = adv.create(
        client,
        "ads",
        name="Chat with us",
        adset_id=adset,
        creative={"creative_id": creative},
        status=status,
    )
    return Recipe(campaign, adset, creative, ad)


def effective(client: FlaskClient, adv: Advertiser, object_id: str) -> str:
    """Return an object's effective_status."""
    response = adv.call(client, "GET", object_id, fields="effective_status")
    return response.get_json()["effective_status"]
