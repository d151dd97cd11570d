"""The control API: entities, inspection, settings, reset, demo data and persistence."""

from __future__ import annotations

from sandbox.app import create_sandbox_app, shutdown
from sandbox.demo_data import DEMO_PAGES, DEMO_PEOPLE, DEMO_USER
from sandbox.tests.conftest import (
    APP_TOKEN,
    FakeClock,
    World,
    control,
    graph,
    make_world,
    say,
    send,
)


def test_state_summarises_everything(client, world: World):
    say(client, world)
    state = client.get("/_sandbox/state").get_json()
    assert [a["id"] for a in state["apps"]] == ["100000000000001"]
    assert state["users"][0]["page_ids"] == [world.page_id]
    assert state["pages"][0]["admins"][0]["user_id"] == world.user_id
    assert state["people"][0]["threads"][0]["page_id"] == world.page_id


def test_create_app_with_given_credentials_and_update_it(client):
    created = control(
        client, "apps", {"name": "Acme CRM", "app_id": "200000000000002", "app_secret": "s3cret"}
    )
    assert created == {"id": "200000000000002", "secret": "s3cret"}
    assert graph(client, "GET", "/200000000000002", "200000000000002|s3cret").status_code == 200
    updated = control(
        client,
        "apps/200000000000002",
        {"deauthorize_callback_url": "http://x.test/deauth", "features": []},
    )
    assert updated["deauthorize_callback_url"] == "http://x.test/deauth"
    assert updated["features"] == []
    assert (
        client.post("/_sandbox/apps", json={"name": "dup", "app_id": "200000000000002"}).status_code
        == 409
    )


def test_generated_app_secret_is_32_hex(client):
    secret = control(client, "apps", {"name": "Gen"})["secret"]
    assert len(secret) == 32
    assert int(secret, 16) >= 0


def test_validation_errors(client, world: World):
    assert (
        client.post("/_sandbox/users", json={"name": "X", "email": "dana@example.com"}).status_code
        == 409
    )
    assert (
        client.post("/_sandbox/pages", json={"name": "Y", "username": "acmecoffee"}).status_code
        == 409
    )
    assert (
        client.post("/_sandbox/people", json={"first_name": "Z", "phone_number": "555"}).status_code
        == 400
    )
    assert (
        client.post(
            "/_sandbox/tokens", json={"user_id": world.user_id, "scopes": ["manage_pages"]}
        ).status_code
        == 400
    )
    assert client.post("/_sandbox/people", json={}).get_json() == {
        "error": "first_name is required"
    }
    assert (
        client.post(
            f"/_sandbox/people/{world.person_id}/messages", json={"page_id": world.page_id}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/_sandbox/people/{world.person_id}/messages",
            json={"page_id": world.page_id, "text": "x", "at": "yesterday"},
        ).status_code
        == 400
    )


def test_settings_round_trip_and_validation(client):
    assert client.get("/_sandbox/settings").get_json()["send_rate_limit"] == 300
    changed = control(client, "settings", {"send_rate_limit": 50, "webhook_retry_delays": [0, 2]})
    assert changed["send_rate_limit"] == 50
    assert changed["webhook_retry_delays"] == [0.0, 2.0]
    assert client.post("/_sandbox/settings", json={"send_rate_limit": -1}).status_code == 400
    assert client.post("/_sandbox/settings", json={"warp_speed": 9}).status_code == 400


def test_calls_log_with_since_and_page_filter(client, world: World):
    graph(client, "GET", "/v25.0/me", world.user_token)
    graph(client, "GET", f"/v25.0/{world.page_id}", world.page_token, fields="name")
    graph(client, "GET", "/v25.0/me", "EAAbad")
    calls = client.get("/_sandbox/calls").get_json()["calls"]
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("GET", "/v25.0/me", 200),
        ("GET", f"/v25.0/{world.page_id}", 200),
        ("GET", "/v25.0/me", 400),
    ]
    assert calls[2]["error_code"] == 190
    assert calls[2]["error_subcode"] is None
    assert all("EAA" not in c["path"] for c in calls)
    since = client.get("/_sandbox/calls", query_string={"since": calls[0]["id"]}).get_json()[
        "calls"
    ]
    assert [c["id"] for c in since] == [calls[1]["id"], calls[2]["id"]]
    by_page = client.get("/_sandbox/calls", query_string={"page_id": world.page_id}).get_json()[
        "calls"
    ]
    assert [c["id"] for c in by_page] == [calls[1]["id"]]


def test_thread_view(client, world: World):
    psid = say(client, world)["psid"]
    send(client, world, psid, "reply", messaging_type="UPDATE")
    data = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()
    assert [(m["direction"], m["messaging_type"]) for m in data["messages"]] == [
        ("in", None),
        ("out", "UPDATE"),
    ]
    assert client.get(f"/_sandbox/pages/{world.page_id}/threads/123").status_code == 404


def test_reset_wipes_everything_and_reseeds_the_default_app(client, world: World):
    say(client, world)
    graph(client, "GET", "/me", world.user_token)
    control(client, "settings", {"send_rate_limit": 7})
    control(client, "reset")
    assert client.get("/_sandbox/calls").get_json()["calls"] == []
    state = client.get("/_sandbox/state").get_json()
    assert state["users"] == state["pages"] == state["people"] == []
    assert [a["id"] for a in state["apps"]] == ["100000000000001"]
    assert client.get("/_sandbox/settings").get_json()["send_rate_limit"] == 300
    assert graph(client, "GET", "/me", world.user_token).get_json()["error"]["code"] == 190
    assert graph(client, "GET", "/debug_token", APP_TOKEN, input_token="x").status_code == 200


def test_demo_dataset(client, clock):
    control(client, "demo")
    state = client.get("/_sandbox/state").get_json()
    assert state["users"][0]["email"] == DEMO_USER["email"]
    assert {p["username"] for p in state["pages"]} == {p["username"] for p in DEMO_PAGES}
    assert len(state["people"]) == len(DEMO_PEOPLE)
    blocked = [t for p in state["people"] for t in p["threads"] if t["blocked"]]
    assert len(blocked) == 1
    token = control(
        client,
        "tokens",
        {"user_id": DEMO_USER["id"], "scopes": ["pages_show_list", "pages_messaging"]},
    )
    coffee = DEMO_PAGES[0]["id"]
    maya = next(p for p in state["people"] if p["first_name"] == "Maya")
    psid = next(t["psid"] for t in maya["threads"] if t["page_id"] == coffee)
    reply = graph(
        client,
        "POST",
        f"/{coffee}/messages",
        token["page_tokens"][coffee],
        recipient={"id": psid},
        message={"text": "Sure!"},
        messaging_type="RESPONSE",
    )
    assert reply.status_code == 200  # Maya wrote 12 minutes ago
    tom = next(p for p in state["people"] if p["first_name"] == "Tom")
    old = tom["threads"][0]["psid"]
    late = graph(
        client,
        "POST",
        f"/{coffee}/messages",
        token["page_tokens"][coffee],
        recipient={"id": old},
        message={"text": "x"},
    )
    assert late.get_json()["error"]["error_subcode"] == 2018278  # 10 days ago
    assert client.get(f"/_sandbox/pages/{coffee}/threads/{psid}").get_json()["messages"][0]["text"]


def test_state_survives_a_restart(db_path, clock):
    first = create_sandbox_app(db_path, start_dispatcher=False, clock=clock)
    client = first.test_client()
    world = make_world(client)
    psid = say(client, world)["psid"]
    client.post("/_sandbox/settings", json={"send_rate_limit": 42})
    graph(client, "GET", "/me", world.user_token)
    shutdown(first)
    second = create_sandbox_app(db_path, start_dispatcher=False, clock=FakeClock(clock.now() + 60))
    client = second.test_client()
    try:
        assert graph(client, "GET", f"/{psid}", world.page_token).get_json()["first_name"] == "Maya"
        assert client.get("/_sandbox/settings").get_json()["send_rate_limit"] == 42
        assert any(c["path"] == "/me" for c in client.get("/_sandbox/calls").get_json()["calls"])
        assert send(client, world, psid).status_code == 200
    finally:
        shutdown(second)


def test_manual_dispatch_endpoint(client, subscribed: World, receiver):
    psid = say(client, subscribed)["psid"]
    send(client, subscribed, psid)
    assert control(client, "webhooks/dispatch") == {"attempted": 2}


def test_environment_sets_the_default_app(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEBOOK_APP_ID", "300000000000003")
    monkeypatch.setenv("FACEBOOK_APP_SECRET", "from-env")
    app = create_sandbox_app(str(tmp_path / "env.db"), start_dispatcher=False)
    try:
        client = app.test_client()
        assert (
            graph(client, "GET", "/300000000000003", "300000000000003|from-env").status_code == 200
        )
    finally:
        shutdown(app)
