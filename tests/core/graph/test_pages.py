"""Page calls: publishing and scheduling posts, comments, webhook subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from responses import matchers

from app.core.graph import AppSubscription, GraphClient, GraphError, SubscribedApp
from tests.core.graph.helpers import APP_ID, APP_TOKEN, BASE, PAGE_ID, PAGE_TOKEN, signed

NOW = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
COMMENT_ID = "901097836652708_903438993085259"
FIELDS = "messages,messaging_postbacks,messaging_optins,messaging_referrals,message_echoes,feed"


@pytest.fixture
def page_client(settings, sleeps) -> GraphClient:
    """A Page-token client whose clock reads NOW."""
    return GraphClient(PAGE_TOKEN, settings, sleep=sleeps.append, clock=NOW.timestamp)


def form(fields: dict[str, str], token: str = PAGE_TOKEN) -> list:
    """Match a POST whose form body is exactly `fields` plus the signed token."""
    return [
        matchers.urlencoded_params_matcher(signed(fields, token)),
        matchers.query_string_matcher(None),
    ]


def test_publish_post_now(mocked, page_client):
    fields = {"message": "New hats are in", "link": "https://shop.example.com/hats"}
    mocked.post(f"{BASE}/{PAGE_ID}/feed", json={"id": f"{PAGE_ID}_7"}, match=form(fields))

    post_id = page_client.publish_post(PAGE_ID, "New hats are in", "https://shop.example.com/hats")

    assert post_id == f"{PAGE_ID}_7"


@pytest.mark.parametrize("ahead", [timedelta(minutes=10), timedelta(hours=2), timedelta(days=30)])
def test_publish_post_scheduled_sends_unix_seconds(mocked, page_client, ahead):
    scheduled_at = NOW + ahead
    fields = {
        "message": "Sale starts",
        "published": "false",
        "scheduled_publish_time": str(int(NOW.timestamp()) + int(ahead.total_seconds())),
    }
    mocked.post(f"{BASE}/{PAGE_ID}/feed", json={"id": f"{PAGE_ID}_8"}, match=form(fields))

    assert page_client.publish_post(PAGE_ID, "Sale starts", scheduled_at=scheduled_at) == (
        f"{PAGE_ID}_8"
    )


def test_scheduled_time_in_another_zone_is_the_same_instant(mocked, page_client):
    plus_two = datetime(2030, 1, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    fields = {"message": "m", "published": "false", "scheduled_publish_time": "1893506400"}
    mocked.post(f"{BASE}/{PAGE_ID}/feed", json={"id": "1"}, match=form(fields))

    page_client.publish_post(PAGE_ID, "m", scheduled_at=plus_two)


@pytest.mark.parametrize(
    "scheduled_at",
    [
        NOW + timedelta(minutes=9, seconds=59),
        NOW + timedelta(days=30, seconds=1),
        NOW - timedelta(hours=1),
    ],
)
def test_schedules_outside_10_minutes_to_30_days_are_refused_locally(
    mocked, page_client, scheduled_at
):
    with pytest.raises(ValueError, match="10 minutes to 30 days"):
        page_client.publish_post(PAGE_ID, "Too soon or too late", scheduled_at=scheduled_at)


def test_a_naive_schedule_is_refused(mocked, page_client):
    with pytest.raises(ValueError, match="timezone-aware"):
        page_client.publish_post(PAGE_ID, "m", scheduled_at=datetime(2030, 1, 1, 12, 0))


def test_reply_to_comment(mocked, client):
    mocked.post(
        f"{BASE}/{COMMENT_ID}/comments",
        json={"id": "903438993085259_903440000000000"},
        match=form({"message": "Thanks for asking!"}),
    )

    assert client.reply_to_comment(COMMENT_ID, "Thanks for asking!") == (
        "903438993085259_903440000000000"
    )


@pytest.mark.parametrize(("hidden", "sent"), [(True, "true"), (False, "false")])
def test_set_comment_hidden(mocked, client, hidden, sent):
    mocked.post(f"{BASE}/{COMMENT_ID}", json={"success": True}, match=form({"is_hidden": sent}))

    client.set_comment_hidden(COMMENT_ID, hidden)


def test_delete_object(mocked, client):
    mocked.delete(
        f"{BASE}/{COMMENT_ID}",
        json={"success": True},
        match=[matchers.query_param_matcher(signed({}))],
    )

    client.delete_object(COMMENT_ID)


@pytest.mark.parametrize("reply", [{"success": False}, {}, False])
def test_an_unconfirmed_change_raises(mocked, client, reply):
    mocked.delete(f"{BASE}/{COMMENT_ID}", json=reply)

    with pytest.raises(GraphError, match="did not confirm success"):
        client.delete_object(COMMENT_ID)


def test_subscribe_page(mocked, client):
    mocked.post(
        f"{BASE}/{PAGE_ID}/subscribed_apps",
        json={"success": True},
        match=form({"subscribed_fields": FIELDS}),
    )

    client.subscribe_page(PAGE_ID, FIELDS.split(","))


def test_subscribe_page_needs_fields(mocked, client):
    with pytest.raises(ValueError, match="field"):
        client.subscribe_page(PAGE_ID, [])


def test_unsubscribe_page(mocked, client):
    mocked.delete(
        f"{BASE}/{PAGE_ID}/subscribed_apps",
        json={"success": True},
        match=[matchers.query_param_matcher(signed({}))],
    )

    client.unsubscribe_page(PAGE_ID)


def test_page_subscriptions(mocked, client):
    mocked.get(
        f"{BASE}/{PAGE_ID}/subscribed_apps",
        json={
            "data": [
                {
                    "category": "Business",
                    "link": "https://herald.example.com/",
                    "name": "Herald",
                    "id": APP_ID,
                    "subscribed_fields": ["messages", "feed"],
                }
            ]
        },
        match=[matchers.query_param_matcher(signed({}))],
    )

    assert client.page_subscriptions(PAGE_ID) == [
        SubscribedApp(id=APP_ID, name="Herald", subscribed_fields=("messages", "feed"))
    ]


def test_subscribe_app_uses_the_app_token(mocked, settings, sleeps):
    app_client = GraphClient.for_app(settings, sleep=sleeps.append)
    fields = {
        "object": "page",
        "callback_url": "https://herald.example.com/webhooks/messenger",
        "verify_token": "v3rify",
        "fields": "messages,feed",
    }
    mocked.post(
        f"{BASE}/{APP_ID}/subscriptions", json={"success": True}, match=form(fields, APP_TOKEN)
    )

    app_client.subscribe_app(
        APP_ID, "https://herald.example.com/webhooks/messenger", "v3rify", ["messages", "feed"]
    )


def test_app_subscriptions(mocked, settings, sleeps):
    app_client = GraphClient.for_app(settings, sleep=sleeps.append)
    mocked.get(
        f"{BASE}/{APP_ID}/subscriptions",
        json={
            "data": [
                {
                    "object": "page",
                    "callback_url": "https://herald.example.com/webhooks/messenger",
                    "active": True,
                    "fields": [
                        {"name": "messages", "version": "v25.0"},
                        {"name": "feed", "version": "v25.0"},
                    ],
                }
            ]
        },
        match=[matchers.query_param_matcher(signed({}, APP_TOKEN))],
    )

    assert app_client.app_subscriptions(APP_ID) == [
        AppSubscription(
            object="page",
            callback_url="https://herald.example.com/webhooks/messenger",
            active=True,
            fields=("messages", "feed"),
        )
    ]
