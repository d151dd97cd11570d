"""The Marketing API's validation: every refusal of the create calls, and the withdrawn
Sponsored Messages recipe."""

from __future__ import annotations

import pytest

from sandbox.tests.ads_support import (
    ADS_SCOPES,
    Advertiser,
    adset_params,
    advertiser,
    campaign_params,
    create_ad,
    creative_params,
)
from sandbox.tests.conftest import World, control
from sandbox.tests.test_send_api import error_of


@pytest.fixture
def adv(client, world: World) -> Advertiser:
    """An advertiser managing the world's Page."""
    return advertiser(client, world)


CAMPAIGN_REFUSALS = [
    {"objective": None},
    {"objective": "GROWTH"},
    {"objective": "LINK_CLICKS"},
    {"special_ad_categories": None},
    {"special_ad_categories": "NONE"},
    {"special_ad_categories": ["CASINOS"]},
    {"name": None},
    {"status": "ARCHIVED"},
]


@pytest.mark.parametrize("override", CAMPAIGN_REFUSALS)
def test_campaign_validation(client, adv: Advertiser, override):
    params = {k: v for k, v in campaign_params(**override).items() if v is not None}
    response = adv.call(client, "POST", f"{adv.account}/campaigns", **params)
    assert error_of(response) == (100, None), override


def test_legacy_objective_names_the_replacements(client, adv: Advertiser):
    response = adv.call(
        client, "POST", f"{adv.account}/campaigns", **campaign_params(objective="CONVERSIONS")
    )
    assert "OUTCOME_ENGAGEMENT" in response.get_json()["error"]["message"]


ADSET_REFUSALS = [
    {"campaign_id": "999"},
    {"daily_budget": None},
    {"lifetime_budget": 10000},  # both budgets
    {"daily_budget": 99},
    {"daily_budget": "ten"},
    {"billing_event": None},
    {"billing_event": "LINK_CLICKS"},  # not for CONVERSATIONS
    {"optimization_goal": "LINK_CLICKS"},  # MESSENGER needs CONVERSATIONS
    {"destination_type": None},  # CONVERSATIONS needs MESSENGER
    {"destination_type": "WEBSITE"},
    {"targeting": {"age_min": 18}},
    {"targeting": None},
    {"promoted_object": None},
    {"promoted_object": {}},
    {"promoted_object": {"page_id": "123456"}},  # not a Page granted to the app
    {"daily_budget": None, "lifetime_budget": 10000},  # needs end_time
    {"bid_strategy": "COST_CAP"},  # needs bid_amount
    {"optimization_goal": "CONVERSATION"},
]


@pytest.mark.parametrize("override", ADSET_REFUSALS)
def test_adset_validation(client, adv: Advertiser, override):
    campaign = adv.create(client, "campaigns", **campaign_params())
    params = {**adset_params(campaign, adv.world.page_id), **override}
    params = {k: v for k, v in params.items() if v is not None}
    response = adv.call(client, "POST", f"{adv.account}/adsets", **params)
    assert error_of(response) == (100, None), (override, response.get_json())


def test_messenger_destination_needs_a_messenger_objective(client, adv: Advertiser):
    campaign = adv.create(client, "campaigns", **campaign_params(objective="OUTCOME_AWARENESS"))
    response = adv.call(
        client, "POST", f"{adv.account}/adsets", **adset_params(campaign, adv.world.page_id)
    )
    assert error_of(response) == (100, None)
    traffic = adv.create(client, "campaigns", **campaign_params(objective="OUTCOME_TRAFFIC"))
    adv.create(client, "adsets", **adset_params(traffic, adv.world.page_id))


CREATIVE_REFUSALS = [
    lambda page: {},
    lambda page: {"object_story_spec": {"link_data": {"link": "https://a.example"}}},
    lambda page: {"object_story_spec": {"page_id": page}},
    lambda page: {"object_story_spec": {"page_id": page, "link_data": {"message": "no link"}}},
    lambda page: creative_params(page, call_to_action={"type": "MESSAGE_PAGE", "value": {}}),
    lambda page: creative_params("123456"),  # not a Page granted to the app
]


@pytest.mark.parametrize("make", CREATIVE_REFUSALS)
def test_creative_validation(client, adv: Advertiser, make):
    params = make(adv.world.page_id)
    response = adv.call(client, "POST", f"{adv.account}/adcreatives", **params)
    assert error_of(response) == (100, None), params


def test_ad_validation(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    cases = [
        {"name": "x", "creative": {"creative_id": recipe.creative}},  # no adset_id
        {"name": "x", "adset_id": recipe.adset, "creative": {"creative_id": "1"}},
        {"name": "x", "adset_id": recipe.adset},  # no creative
        {"adset_id": recipe.adset, "creative": {"creative_id": recipe.creative}},  # no name
    ]
    for params in cases:
        response = adv.call(client, "POST", f"{adv.account}/ads", **params)
        assert error_of(response) == (100, None), params
    website = adv.create(
        client, "adcreatives", **creative_params(adv.world.page_id, call_to_action=None)
    )
    response = adv.call(
        client,
        "POST",
        f"{adv.account}/ads",
        name="x",
        adset_id=recipe.adset,
        creative={"creative_id": website},
    )
    assert "MESSAGE_PAGE" in response.get_json()["error"]["message"]


def test_ad_creative_page_must_be_the_promoted_page(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    other = control(client, "pages", {"name": "Bikes", "admin_ids": [adv.world.user_id]})["id"]
    adv = Advertiser(
        adv.world,
        adv.account,
        control(client, "tokens", {"user_id": adv.world.user_id, "scopes": ADS_SCOPES})[
            "access_token"
        ],
    )
    creative = adv.create(client, "adcreatives", **creative_params(other))
    response = adv.call(
        client,
        "POST",
        f"{adv.account}/ads",
        name="x",
        adset_id=recipe.adset,
        creative={"creative_id": creative},
    )
    assert error_of(response) == (100, None)


def _withdrawn(response) -> None:
    error = response.get_json()["error"]
    assert error["code"] == 100
    assert "Sponsored Messages ads are no longer available" in error["message"]
    assert "click-to-Messenger" in error["message"]
    assert error["error_user_title"] == "Sponsored messages are no longer available"


def test_the_sponsored_messages_recipe_is_refused_at_every_step(client, adv: Advertiser):
    page_id = adv.world.page_id
    _withdrawn(
        adv.call(
            client, "POST", f"{adv.account}/campaigns", **campaign_params(objective="MESSAGES")
        )
    )
    campaign = adv.create(client, "campaigns", **campaign_params())
    targeting = {
        "geo_locations": {"countries": ["US"]},
        "publisher_platforms": ["messenger"],
        "messenger_positions": ["sponsored_messages"],
        "device_platforms": ["mobile", "desktop"],
    }
    _withdrawn(
        adv.call(
            client,
            "POST",
            f"{adv.account}/adsets",
            **adset_params(campaign, page_id, targeting=targeting),
        )
    )
    _withdrawn(
        adv.call(
            client,
            "POST",
            f"{adv.account}/adcreatives",
            object_id=page_id,
            object_type="SHARE",
            messenger_sponsored_message={"message": {"text": "Hi again!"}},
        )
    )
