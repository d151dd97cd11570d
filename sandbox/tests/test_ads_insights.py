"""Ad insights (deterministic, growing with delivery) and people clicking ads into Messenger."""

from __future__ import annotations

import json

import pytest

from sandbox.tests.ads_support import Advertiser, advertiser, create_ad
from sandbox.tests.conftest import World, control, graph, say, send, subscribe
from sandbox.tests.test_messenger_profile import _profile
from sandbox.tests.test_send_api import DAY, HOUR, error_of, iso

REVIEW = 300
CONVERSATIONS = "onsite_conversion.messaging_conversation_started_7d"


@pytest.fixture
def adv(client, world: World) -> Advertiser:
    """An advertiser managing the world's Page."""
    return advertiser(client, world)


def _insights(client, adv: Advertiser, object_id: str, **params) -> list[dict]:
    response = adv.call(client, "GET", f"{object_id}/insights", **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def _delivering(client, adv: Advertiser, clock) -> str:
    recipe = create_ad(client, adv, status="ACTIVE")
    clock.advance(REVIEW)
    return recipe.ad


def test_no_rows_before_delivery(client, adv: Advertiser, clock):
    recipe = create_ad(client, adv, status="ACTIVE")
    assert _insights(client, adv, recipe.ad, date_preset="maximum") == []  # in review
    clock.advance(REVIEW)
    assert _insights(client, adv, recipe.ad, date_preset="maximum") == []  # not a moment yet


def test_figures_grow_with_delivery_and_repeat_exactly(client, adv: Advertiser, clock):
    ad = _delivering(client, adv, clock)
    clock.advance(3 * HOUR)
    (first,) = _insights(client, adv, ad, date_preset="maximum")
    assert _insights(client, adv, ad, date_preset="maximum") == [first]  # deterministic
    for name in ("impressions", "reach", "clicks"):
        assert first[name].isdigit(), name  # Graph's numbers are strings
    assert int(first["impressions"]) > int(first["reach"]) > int(first["clicks"]) > 0
    spend = float(first["spend"])
    assert 0 < spend <= 24.00 * 3 / 24  # never above the daily budget's share of 3 hours
    started = {a["action_type"]: int(a["value"]) for a in first["actions"]}[CONVERSATIONS]
    assert 0 < started <= int(first["clicks"])
    cost = {c["action_type"]: float(c["value"]) for c in first["cost_per_action_type"]}
    assert cost[CONVERSATIONS] == pytest.approx(spend / started, rel=1e-3)
    clock.advance(3 * HOUR)
    (later,) = _insights(client, adv, ad, date_preset="maximum")
    assert int(later["impressions"]) > int(first["impressions"])
    assert float(later["spend"]) == pytest.approx(2 * spend, abs=0.02)


def test_paused_time_is_not_counted(client, adv: Advertiser, clock):
    ad = _delivering(client, adv, clock)
    clock.advance(2 * HOUR)
    (before,) = _insights(client, adv, ad, date_preset="maximum")
    adv.call(client, "POST", ad, status="PAUSED")
    clock.advance(5 * HOUR)
    (paused,) = _insights(client, adv, ad, date_preset="maximum")
    assert (paused["impressions"], paused["spend"]) == (before["impressions"], before["spend"])


def test_date_ranges_and_default_preset(client, adv: Advertiser, clock):
    ad = _delivering(client, adv, clock)
    clock.advance(2 * DAY)
    (total,) = _insights(client, adv, ad, date_preset="maximum")
    (today,) = _insights(client, adv, ad, date_preset="today")
    (last,) = _insights(client, adv, ad)  # last_30d, which like Graph ends yesterday
    assert int(today["impressions"]) + int(last["impressions"]) == pytest.approx(
        int(total["impressions"]), abs=2
    )
    assert last["date_stop"] < today["date_start"] == today["date_stop"]
    assert total["date_start"] <= last["date_stop"]
    ranged = _insights(
        client,
        adv,
        ad,
        time_range=json.dumps({"since": total["date_start"], "until": today["date_stop"]}),
    )
    assert ranged[0]["impressions"] == total["impressions"]
    bad = adv.call(client, "GET", f"{ad}/insights", date_preset="forever")
    assert error_of(bad) == (100, None)


def test_campaign_insights_sum_its_ads(client, adv: Advertiser, clock):
    ad = _delivering(client, adv, clock)
    clock.advance(4 * HOUR)
    campaign = adv.call(client, "GET", ad, fields="campaign_id").get_json()["campaign_id"]
    (of_ad,) = _insights(client, adv, ad, date_preset="maximum", fields="impressions,ad_id")
    (of_campaign,) = _insights(
        client, adv, campaign, date_preset="maximum", fields="impressions,campaign_id"
    )
    assert of_ad == {"impressions": of_campaign["impressions"], "ad_id": ad}
    assert of_campaign["campaign_id"] == campaign
    (of_account,) = _insights(client, adv, adv.account, date_preset="maximum")
    assert of_account["impressions"] == of_ad["impressions"]


def _click(client, world: World, ad_id: str, **extra):
    return client.post(
        f"/_sandbox/people/{world.person_id}/ad_click", json={"ad_id": ad_id, **extra}
    )


def test_click_on_an_existing_thread_is_a_referral_that_opens_the_window(
    client, adv: Advertiser, clock, receiver
):
    world = adv.world
    subscribe(client, world, receiver)
    psid = say(client, world, at=iso(clock, 3 * DAY))["psid"]
    assert error_of(send(client, world, psid)) == (10, 2018278)
    ad = _delivering(client, adv, clock)
    response = _click(client, world, ad, ref="autumn")
    assert response.status_code == 200
    assert response.get_json()["webhook_status"] == "delivered"
    event = receiver.events()[-1]
    assert event["sender"] == {"id": psid}
    referral = event["referral"]
    assert referral["source"] == "ADS"
    assert referral["type"] == "OPEN_THREAD"
    assert (referral["ad_id"], referral["ref"]) == (ad, "autumn")
    context = referral["ads_context_data"]
    assert context["ad_title"] == "Autumn menu at Acme"
    assert context["photo_url"] == "https://acme.example/autumn.jpg"
    assert context["post_id"].startswith(f"{world.page_id}_")
    assert send(client, world, psid).status_code == 200  # the 24-hour window is open


def test_click_on_a_new_thread_rides_on_get_started(client, adv: Advertiser, clock, receiver):
    subscribe(client, adv.world, receiver)
    ad = _delivering(client, adv, clock)
    result = _click(client, adv.world, ad).get_json()
    event = receiver.events()[-1]
    assert event["sender"] == {"id": result["psid"]}
    assert event["postback"]["payload"] == "GET_STARTED"
    assert event["postback"]["referral"]["ad_id"] == ad


def test_click_on_a_new_thread_without_get_started_rides_on_the_first_message(
    client, adv: Advertiser, clock, receiver
):
    world = adv.world
    subscribe(client, world, receiver)
    _profile(client, world, "DELETE", fields=["get_started"])
    ad = _delivering(client, adv, clock)
    _click(client, world, ad, text="Is the pumpkin latte vegan?")
    message = receiver.events()[-1]["message"]
    assert message["text"] == "Is the pumpkin latte vegan?"
    assert message["referral"]["source"] == "ADS"
    assert message["referral"]["ad_id"] == ad


def test_ads_that_do_not_deliver_cannot_be_clicked(client, adv: Advertiser, clock):
    recipe = create_ad(client, adv, status="ACTIVE")
    response = _click(client, adv.world, recipe.ad)
    assert response.status_code == 409
    assert "PENDING_REVIEW" in response.get_json()["error"]
    clock.advance(REVIEW)
    adv.call(client, "POST", recipe.campaign, status="PAUSED")
    assert "CAMPAIGN_PAUSED" in _click(client, adv.world, recipe.ad).get_json()["error"]


def test_a_blocked_page_gets_no_click(client, adv: Advertiser, clock):
    ad = _delivering(client, adv, clock)
    control(client, f"people/{adv.world.person_id}/block", {"page_id": adv.world.page_id})
    assert _click(client, adv.world, ad).status_code == 409


def test_ad_clicks_show_in_the_conversations_api(client, adv: Advertiser, clock):
    control(client, "settings", {"conversations_rate_limit": 0})
    ad = _delivering(client, adv, clock)
    _click(client, adv.world, ad)
    data = graph(
        client,
        "GET",
        f"/{adv.world.page_id}/conversations",
        adv.world.page_token,
        fields="messages{message}",
    ).get_json()["data"]
    assert data[0]["messages"]["data"][0]["message"] == "Get Started"
