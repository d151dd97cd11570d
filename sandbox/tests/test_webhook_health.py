"""Webhook endpoint health: apps whose endpoint keeps failing are unsubscribed from their Pages."""

from __future__ import annotations

from sandbox.tests.conftest import World, control, say, subscribe


def _health(client) -> dict:
    return client.get("/_sandbox/webhooks").get_json()["health"]["100000000000001"]


def test_failed_rounds_in_a_row_unsubscribe_the_app(client, subscribed: World, receiver, sb):
    control(client, "settings", {"webhook_disable_after": 3, "webhook_retry_delays": [0] * 10})
    receiver.statuses = [500] * 10
    say(client, subscribed)  # round 1: the synchronous first attempt
    assert _health(client)["consecutive_failures"] == 1
    assert _health(client)["state"] == "failing"
    sb.dispatcher.run_once()
    assert _health(client)["consecutive_failures"] == 2
    sb.dispatcher.run_once()
    health = _health(client)
    assert health["state"] == "disabled"
    assert health["disabled_page_ids"] == [subscribed.page_id]
    assert "3 delivery rounds failed in a row" in health["disabled_reason"]
    state = client.get("/_sandbox/state").get_json()
    assert state["pages"][0]["subscriptions"] == []
    assert state["apps"][0]["webhook_health"]["state"] == "disabled"
    webhooks = client.get("/_sandbox/webhooks").get_json()
    assert webhooks["pending"] == []  # the queued retries were dropped
    posts_before = len(receiver.posts())
    assert say(client, subscribed)["webhook_status"] == "not_subscribed"
    assert sb.dispatcher.run_once() == 0
    assert len(receiver.posts()) == posts_before


def test_a_delivered_round_resets_the_count(client, subscribed: World, receiver, sb):
    control(client, "settings", {"webhook_disable_after": 3, "webhook_retry_delays": [0] * 10})
    receiver.statuses = [500, 500]
    say(client, subscribed)
    sb.dispatcher.run_once()
    assert _health(client)["consecutive_failures"] == 2
    sb.dispatcher.run_once()  # the third attempt is answered 200
    health = _health(client)
    assert (health["state"], health["consecutive_failures"], health["last_result"]) == (
        "ok",
        0,
        "delivered",
    )


def test_a_long_failing_period_unsubscribes_too(client, subscribed: World, receiver, sb, clock):
    control(
        client,
        "settings",
        {
            "webhook_disable_after": 0,
            "webhook_disable_period": 3600,
            "webhook_retry_delays": [60] * 100,
        },
    )
    receiver.statuses = [503] * 100
    say(client, subscribed)
    for _ in range(59):
        clock.advance(60)
        sb.dispatcher.run_once()
    assert _health(client)["state"] == "failing"
    clock.advance(60)
    sb.dispatcher.run_once()
    health = _health(client)
    assert health["state"] == "disabled"
    assert "failed for 3600 seconds" in health["disabled_reason"]


def test_subscribing_again_starts_afresh(client, subscribed: World, receiver, sb):
    control(client, "settings", {"webhook_disable_after": 1})
    receiver.statuses = [500]
    say(client, subscribed)
    assert _health(client)["state"] == "disabled"
    subscribe(client, subscribed, receiver)
    assert _health(client)["state"] == "ok"
    assert say(client, subscribed)["webhook_status"] == "delivered"


def test_the_overview_page_shows_health(client, subscribed: World, receiver):
    control(client, "settings", {"webhook_disable_after": 1})
    receiver.statuses = [500]
    say(client, subscribed)
    html = client.get("/_sandbox/").get_data(as_text=True)
    assert "badge-disabled" in html
    assert "1 delivery round failed in a row" in html
