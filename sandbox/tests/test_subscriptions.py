"""App subscriptions (real hub.challenge handshake) and Page subscribed_apps."""

from __future__ import annotations

import socket

from sandbox.tests.conftest import APP_TOKEN, World, control, graph
from sandbox.tests.receiver import VERIFY_TOKEN

APP_ID = "100000000000001"


def _subscribe(client, url: str, verify_token: str = VERIFY_TOKEN, token: str = APP_TOKEN, **extra):
    return graph(
        client,
        "POST",
        f"/v25.0/{APP_ID}/subscriptions",
        token,
        object="page",
        callback_url=url,
        verify_token=verify_token,
        fields="messages,message_echoes",
        **extra,
    )


def test_handshake_sends_a_random_challenge_and_accepts_the_echo(client, receiver):
    assert _subscribe(client, receiver.url).get_json() == {"success": True}
    assert _subscribe(client, receiver.url).status_code == 200
    first, second = (r.query for r in receiver.requests)
    assert first["hub.mode"] == ["subscribe"]
    assert first["hub.verify_token"] == ["verify-me"]
    assert first["hub.challenge"][0].isdigit()
    assert first["hub.challenge"] != second["hub.challenge"]
    listed = graph(client, "GET", f"/v25.0/{APP_ID}/subscriptions", APP_TOKEN).get_json()["data"]
    assert listed == [
        {
            "object": "page",
            "callback_url": receiver.url,
            "active": True,
            "fields": [
                {"name": "messages", "version": "v25.0"},
                {"name": "message_echoes", "version": "v25.0"},
            ],
        }
    ]


def test_wrong_verify_token_fails_verification(client, receiver):
    error = _subscribe(client, receiver.url, verify_token="wrong").get_json()["error"]
    assert error["code"] == 2200
    assert "Received HTTP code: 403" in error["message"]
    assert graph(client, "GET", f"/{APP_ID}/subscriptions", APP_TOKEN).get_json() == {"data": []}


def test_wrong_challenge_echo_fails_verification(client, receiver):
    receiver.challenge_reply = "not-the-challenge"
    error = _subscribe(client, receiver.url).get_json()["error"]
    assert error["code"] == 2200
    assert "does not match challenge" in error["message"]


def test_unreachable_callback_fails_verification(client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _subscribe(client, f"http://127.0.0.1:{port}/hook").get_json()["error"]
    assert error["code"] == 2200


def test_subscriptions_need_an_app_token(client, world: World, receiver):
    error = _subscribe(client, receiver.url, token=world.user_token).get_json()["error"]
    assert error["code"] == 15
    assert receiver.requests == []


def test_delete_subscription_fields_then_all(client, receiver):
    _subscribe(client, receiver.url)
    graph(
        client,
        "DELETE",
        f"/{APP_ID}/subscriptions",
        APP_TOKEN,
        object="page",
        fields="message_echoes",
    )
    fields = graph(client, "GET", f"/{APP_ID}/subscriptions", APP_TOKEN).get_json()["data"][0][
        "fields"
    ]
    assert [f["name"] for f in fields] == ["messages"]
    assert graph(
        client, "DELETE", f"/{APP_ID}/subscriptions", APP_TOKEN, object="page"
    ).get_json() == {"success": True}
    assert graph(client, "GET", f"/{APP_ID}/subscriptions", APP_TOKEN).get_json() == {"data": []}


def test_page_subscribed_apps_round_trip(client, world: World):
    path = f"/v25.0/{world.page_id}/subscribed_apps"
    response = graph(client, "POST", path, world.page_token, subscribed_fields="messages,feed")
    assert response.get_json() == {"success": True}
    data = graph(client, "GET", path, world.page_token).get_json()["data"]
    assert data[0]["id"] == APP_ID
    assert data[0]["subscribed_fields"] == ["messages", "feed"]
    assert data[0]["name"] == "Herald (development)"
    assert "category" in data[0]
    assert graph(client, "DELETE", path, world.page_token).get_json() == {"success": True}
    assert graph(client, "GET", path, world.page_token).get_json() == {"data": []}


def test_subscribed_apps_needs_a_page_token_with_manage_metadata(client, world: World):
    path = f"/v25.0/{world.page_id}/subscribed_apps"
    user = graph(client, "POST", path, world.user_token, subscribed_fields="messages").get_json()[
        "error"
    ]
    assert user["code"] == 210
    limited = control(
        client,
        "tokens",
        {"user_id": world.user_id, "scopes": ["pages_show_list"], "app_id": _app(client)},
    )
    error = graph(
        client, "POST", path, limited["page_tokens"][world.page_id], subscribed_fields="feed"
    ).get_json()
    assert error["error"]["code"] == 200
    assert "pages_manage_metadata" in error["error"]["message"]


def test_messaging_fields_also_need_pages_messaging(client, world: World):
    other = _app(client)
    token = control(
        client,
        "tokens",
        {
            "user_id": world.user_id,
            "scopes": ["pages_show_list", "pages_manage_metadata"],
            "app_id": other,
        },
    )["page_tokens"][world.page_id]
    path = f"/{world.page_id}/subscribed_apps"
    error = graph(client, "POST", path, token, subscribed_fields="feed,messages").get_json()[
        "error"
    ]
    assert error["code"] == 200
    assert "To subscribe to the messages field" in error["message"]
    assert graph(client, "POST", path, token, subscribed_fields="feed").status_code == 200


def test_unknown_subscribed_field_is_refused(client, world: World):
    error = graph(
        client,
        "POST",
        f"/{world.page_id}/subscribed_apps",
        world.page_token,
        subscribed_fields="messages,bogus",
    ).get_json()["error"]
    assert error["code"] == 100
    assert 'got "bogus"' in error["message"]


def _app(client) -> str:
    return control(client, "apps", {"name": "Another app"})["id"]
