"""The Messenger Profile API and what its Get Started button does to new conversations."""

from __future__ import annotations

from sandbox.tests.conftest import World, control, graph, make_world, subscribe
from sandbox.tests.test_posts import revoke
from sandbox.tests.test_send_api import error_of

MENU = [
    {
        "locale": "default",
        "composer_input_disabled": False,
        "call_to_actions": [
            {"type": "postback", "title": "Opening hours", "payload": "HOURS"},
            {"type": "web_url", "title": "Menu", "url": "https://acme.example/menu"},
        ],
    }
]


def _profile(client, world: World, method: str, path: str = "me", **params):
    return graph(client, method, f"/v25.0/{path}/messenger_profile", world.page_token, **params)


def test_set_get_and_delete_round_trip(client, world: World):
    greeting = [{"locale": "default", "text": "Hi {{user_first_name}}!"}]
    response = _profile(
        client,
        world,
        "POST",
        get_started={"payload": "WELCOME"},
        greeting=greeting,
        whitelisted_domains=["https://acme.example"],
    )
    assert response.get_json() == {"result": "success"}
    got = _profile(client, world, "GET", world.page_id, fields="get_started,greeting").get_json()
    assert got == {"data": [{"get_started": {"payload": "WELCOME"}, "greeting": greeting}]}
    deleted = client.delete(  # Meta's examples send the list as a JSON body
        f"/v25.0/{world.page_id}/messenger_profile",
        json={"access_token": world.page_token, "fields": ["greeting", "whitelisted_domains"]},
    )
    assert deleted.get_json() == {"result": "success"}
    got = _profile(client, world, "GET", fields="greeting,whitelisted_domains").get_json()
    assert got == {"data": []}


def test_form_encoded_json_values_work(client, world: World):
    response = client.post(
        f"/v25.0/{world.page_id}/messenger_profile",
        data={"access_token": world.page_token, "get_started": '{"payload":"FORM"}'},
    )
    assert response.get_json() == {"result": "success"}
    got = _profile(client, world, "GET", fields="get_started").get_json()
    assert got["data"][0]["get_started"] == {"payload": "FORM"}


def test_validation(client, world: World):
    cases = [
        {},
        {"get_started": {"payload": ""}},
        {"greeting": [{"locale": "fr_FR", "text": "Salut"}]},  # no default locale
        {"greeting": [{"locale": "default", "text": "x" * 161}]},
        {"ice_breakers": [{"question": f"Q{n}", "payload": "P"} for n in range(5)]},
        {"whitelisted_domains": ["http://insecure.example"]},
    ]
    for params in cases:
        assert error_of(_profile(client, world, "POST", **params)) == (100, None), params
    assert error_of(_profile(client, world, "GET")) == (100, None)  # fields is required
    assert error_of(_profile(client, world, "GET", fields="colour")) == (100, None)


def test_persistent_menu_needs_get_started(client, world: World):
    _profile(client, world, "DELETE", fields=["get_started"])
    refused = _profile(client, world, "POST", persistent_menu=MENU)
    assert "Get Started" in refused.get_json()["error"]["message"]
    ok = _profile(client, world, "POST", get_started={"payload": "GS"}, persistent_menu=MENU)
    assert ok.get_json() == {"result": "success"}
    refused = _profile(client, world, "DELETE", fields=["get_started"])
    assert error_of(refused) == (100, None)


def test_needs_a_page_token_with_pages_messaging(client, world: World):
    response = graph(
        client, "GET", f"/{world.page_id}/messenger_profile", world.user_token, fields="greeting"
    )
    assert error_of(response) == (210, None)
    revoke(client, world, "pages_messaging")
    assert error_of(_profile(client, world, "POST", get_started={"payload": "X"})) == (10, None)


def test_messaging_task_is_required(client):
    world = make_world(client, tasks=["MANAGE"])
    response = _profile(client, world, "POST", get_started={"payload": "X"})
    assert error_of(response) == (200, None)


def test_get_started_payload_is_what_a_new_mme_thread_carries(client, world: World, receiver):
    subscribe(client, world, receiver)
    _profile(client, world, "POST", get_started={"payload": "HELLO_FROM_LINK"})
    control(client, f"people/{world.person_id}/messages", {"page_id": world.page_id, "ref": "qr"})
    postback = receiver.events()[-1]["postback"]
    assert postback["payload"] == "HELLO_FROM_LINK"
    assert postback["referral"] == {"ref": "qr", "source": "SHORTLINK", "type": "OPEN_THREAD"}


def test_without_get_started_a_new_thread_gets_no_ref(client, world: World, receiver):
    subscribe(client, world, receiver)
    _profile(client, world, "DELETE", fields=["get_started"])
    refused = client.post(
        f"/_sandbox/people/{world.person_id}/messages", json={"page_id": world.page_id, "ref": "x"}
    )
    assert refused.status_code == 409
    assert "Get Started" in refused.get_json()["error"]
    assert receiver.posts() == []
    state = client.get("/_sandbox/state").get_json()
    assert state["people"][0]["threads"] == []  # nothing happened: no conversation either
    control(
        client,
        f"people/{world.person_id}/messages",
        {"page_id": world.page_id, "ref": "x", "text": "Hi"},
    )
    (event,) = receiver.events()
    assert event["message"]["text"] == "Hi"
    assert "referral" not in event
    assert "referral" not in event["message"]


def test_control_created_pages_can_start_without_get_started(client, world: World):
    page = control(
        client,
        "pages",
        {"name": "Bare", "admin_ids": [world.user_id], "get_started_payload": None},
    )
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_messaging"]})[
        "page_tokens"
    ][page["id"]]
    got = graph(client, "GET", "/me/messenger_profile", token, fields="get_started").get_json()
    assert got == {"data": []}
