"""The Marketing API: the click-to-Messenger recipe, validation, permissions, statuses."""

from __future__ import annotations

import pytest

from sandbox.tests.ads_support import (
    CTA,
    Advertiser,
    adset_params,
    advertiser,
    campaign_params,
    create_ad,
    creative_params,
    effective,
)
from sandbox.tests.conftest import ALL_SCOPES, World, control, graph, make_world
from sandbox.tests.test_send_api import error_of

REVIEW = 300  # the default ad_review_seconds


@pytest.fixture
def adv(client, world: World) -> Advertiser:
    """An advertiser managing the world's Page."""
    return advertiser(client, world)


def test_ad_accounts_of_the_user(client, adv: Advertiser):
    data = adv.call(
        client, "GET", "me/adaccounts", fields="id,account_id,name,currency,account_status"
    ).get_json()["data"]
    account_id = adv.account.removeprefix("act_")
    assert data == [
        {
            "id": adv.account,
            "account_id": account_id,
            "name": "Acme ads",
            "currency": "USD",
            "account_status": 1,
        }
    ]
    single = adv.call(client, "GET", adv.account, fields="name").get_json()
    assert single == {"name": "Acme ads", "id": adv.account}


def test_the_whole_click_to_messenger_flow(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    campaign = adv.call(
        client,
        "GET",
        recipe.campaign,
        fields="name,objective,status,effective_status,special_ad_categories",
    ).get_json()
    assert campaign == {
        "name": "Autumn menu",
        "objective": "OUTCOME_ENGAGEMENT",
        "status": "PAUSED",
        "effective_status": "PAUSED",
        "special_ad_categories": [],
        "id": recipe.campaign,
    }
    adset = adv.call(
        client,
        "GET",
        recipe.adset,
        fields="daily_budget,optimization_goal,destination_type,promoted_object,campaign_id",
    ).get_json()
    assert adset["daily_budget"] == "2400"  # Graph returns amounts as strings
    assert adset["destination_type"] == "MESSENGER"
    assert adset["promoted_object"] == {"page_id": adv.world.page_id}
    creative = adv.call(
        client, "GET", recipe.creative, fields="effective_object_story_id,call_to_action_type"
    ).get_json()
    assert creative["call_to_action_type"] == "MESSAGE_PAGE"
    assert creative["effective_object_story_id"].startswith(f"{adv.world.page_id}_")
    ad = adv.call(client, "GET", recipe.ad, fields="creative,adset_id,campaign_id").get_json()
    assert ad["creative"] == {"id": recipe.creative}
    assert (ad["adset_id"], ad["campaign_id"]) == (recipe.adset, recipe.campaign)
    for edge, object_id in (
        ("campaigns", recipe.campaign),
        ("adsets", recipe.adset),
        ("adcreatives", recipe.creative),
        ("ads", recipe.ad),
    ):
        listed = adv.call(client, "GET", f"{adv.account}/{edge}").get_json()["data"]
        assert listed == [{"id": object_id}], edge  # ids only without fields
    under = adv.call(client, "GET", f"{recipe.campaign}/ads").get_json()["data"]
    assert under == [{"id": recipe.ad}]


def test_the_ads_post_stays_off_the_page_feed(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    feed = graph(client, "GET", f"/{adv.world.page_id}/feed", adv.world.page_token).get_json()
    assert feed["data"] == []
    post_id = adv.call(
        client, "GET", recipe.creative, fields="effective_object_story_id"
    ).get_json()["effective_object_story_id"]
    post = graph(client, "GET", f"/{post_id}", adv.world.page_token, fields="is_published")
    assert post.get_json()["is_published"] is False


def test_without_ads_management_nothing_is_allowed(client, world: World):
    adv = advertiser(client, world, scopes=ALL_SCOPES)
    response = adv.call(client, "GET", "me/adaccounts")
    assert error_of(response) == (200, None)
    assert "ads_management or ads_read" in response.get_json()["error"]["message"]
    assert error_of(adv.call(client, "POST", f"{adv.account}/campaigns", **campaign_params())) == (
        200,
        None,
    )


def test_ads_read_reads_but_cannot_write(client, world: World):
    adv = advertiser(client, world, scopes=[*ALL_SCOPES, "ads_read"])
    assert adv.call(client, "GET", f"{adv.account}/campaigns").status_code == 200
    response = adv.call(client, "POST", f"{adv.account}/campaigns", **campaign_params())
    assert error_of(response) == (200, None)
    assert "ads_management" in response.get_json()["error"]["message"]


def test_promoting_a_page_needs_pages_manage_ads(client, world: World):
    adv = advertiser(client, world, scopes=[*ALL_SCOPES, "ads_management"])
    campaign = adv.create(client, "campaigns", **campaign_params())
    response = adv.call(
        client, "POST", f"{adv.account}/adsets", **adset_params(campaign, world.page_id)
    )
    assert error_of(response) == (200, None)
    assert "pages_manage_ads" in response.get_json()["error"]["message"]
    response = adv.call(
        client, "POST", f"{adv.account}/adcreatives", **creative_params(world.page_id)
    )
    assert error_of(response) == (200, None)


def test_promoting_a_page_needs_the_advertise_task(client):
    world = make_world(client, tasks=["MESSAGING", "CREATE_CONTENT"])
    adv = advertiser(client, world)
    response = adv.call(
        client, "POST", f"{adv.account}/adcreatives", **creative_params(world.page_id)
    )
    assert error_of(response) == (200, None)
    assert "ADVERTISE task is required" in response.get_json()["error"]["message"]


def test_ad_objects_are_invisible_to_page_tokens_and_other_users(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    page_token = adv.world.page_token
    assert error_of(graph(client, "GET", f"/{adv.account}", page_token)) == (100, 33)
    assert error_of(graph(client, "GET", f"/{recipe.ad}", page_token)) == (100, 33)
    stranger = control(client, "users", {"name": "Sam", "email": "sam@example.com"})["id"]
    token = control(client, "tokens", {"user_id": stranger, "scopes": ["ads_management"]})[
        "access_token"
    ]
    assert error_of(graph(client, "GET", f"/{recipe.campaign}", token)) == (100, 33)
    assert error_of(graph(client, "GET", "/me/adaccounts", page_token)) == (100, None)


def test_status_and_effective_status_transitions(client, adv: Advertiser, clock):
    recipe = create_ad(client, adv, status="ACTIVE")
    assert effective(client, adv, recipe.ad) == "PENDING_REVIEW"
    clock.advance(REVIEW - 1)
    assert effective(client, adv, recipe.ad) == "PENDING_REVIEW"
    clock.advance(1)
    assert effective(client, adv, recipe.ad) == "ACTIVE"
    assert adv.call(client, "POST", recipe.campaign, status="PAUSED").get_json() == {
        "success": True
    }
    assert effective(client, adv, recipe.adset) == "CAMPAIGN_PAUSED"
    assert effective(client, adv, recipe.ad) == "CAMPAIGN_PAUSED"
    adv.call(client, "POST", recipe.campaign, status="ACTIVE")
    adv.call(client, "POST", recipe.adset, status="PAUSED")
    assert effective(client, adv, recipe.ad) == "ADSET_PAUSED"
    adv.call(client, "POST", recipe.adset, status="ACTIVE")
    assert effective(client, adv, recipe.ad) == "ACTIVE"  # reviewed once is reviewed
    adv.call(client, "POST", recipe.ad, status="ARCHIVED")
    assert effective(client, adv, recipe.ad) == "ARCHIVED"
    assert adv.call(client, "DELETE", recipe.ad).get_json() == {"success": True}
    assert effective(client, adv, recipe.ad) == "DELETED"
    assert error_of(adv.call(client, "POST", recipe.ad, status="ACTIVE")) == (100, None)
    assert adv.call(client, "GET", f"{adv.account}/ads").get_json()["data"] == []
    deleted = adv.call(client, "GET", f"{adv.account}/ads", effective_status=["DELETED"])
    assert deleted.get_json()["data"] == [{"id": recipe.ad}]
    assert error_of(adv.call(client, "POST", recipe.campaign, status="RUNNING")) == (100, None)


def test_a_paused_ad_turned_on_later_is_reviewed_then(client, adv: Advertiser, clock):
    recipe = create_ad(client, adv, status="ACTIVE")
    adv.call(client, "POST", recipe.ad, status="PAUSED")
    clock.advance(3600)
    assert effective(client, adv, recipe.ad) == "PAUSED"
    adv.call(client, "POST", recipe.ad, status="ACTIVE")
    assert effective(client, adv, recipe.ad) == "ACTIVE"  # its review ran while paused


def test_updating_name_and_budget(client, adv: Advertiser):
    recipe = create_ad(client, adv)
    adv.call(client, "POST", recipe.adset, daily_budget=5000, name="Bigger")
    adset = adv.call(client, "GET", recipe.adset, fields="daily_budget,name").get_json()
    assert (adset["daily_budget"], adset["name"]) == ("5000", "Bigger")
    assert error_of(adv.call(client, "POST", recipe.adset, daily_budget=50)) == (100, None)
    assert error_of(adv.call(client, "POST", recipe.ad)) == (100, None)


def test_sandbox_lists_every_ad_object(client, adv: Advertiser):
    recipe = create_ad(client, adv, status="ACTIVE")
    listing = client.get("/_sandbox/ads").get_json()
    assert [c["id"] for c in listing["campaigns"]] == [recipe.campaign]
    assert listing["adsets"][0]["page_id"] == adv.world.page_id
    assert listing["creatives"][0]["call_to_action"] == "MESSAGE_PAGE"
    (ad,) = listing["ads"]
    assert (ad["id"], ad["status"], ad["effective_status"]) == (
        recipe.ad,
        "ACTIVE",
        "PENDING_REVIEW",
    )
    assert listing["accounts"][0]["id"] == adv.account


def test_cta_constant_is_the_messenger_one():
    assert CTA["value"] == {"app_destination": "MESSENGER"}
