"""Injected faults: rate limits, server errors, timeouts, dead tokens, revoked permissions."""

from __future__ import annotations

import json

from sandbox.tests.conftest import World, control, graph, say, send
from sandbox.tests.test_login_dialog import (
    all_boxes,
    code_from,
    consent,
    exchange,
    open_dialog,
    sign_in,
)


def test_rate_limit_fault_hits_the_next_calls_of_that_page(client, world: World):
    psid = say(client, world)["psid"]
    control(client, "faults", {"kind": "rate_limit", "page_id": world.page_id, "count": 2})
    other_user_call = graph(client, "GET", "/me", world.user_token)
    assert other_user_call.status_code == 200  # not about that Page
    for _ in range(2):
        response = send(client, world, psid)
        assert response.get_json()["error"]["code"] == 613
        usage = json.loads(response.headers["X-Business-Use-Case-Usage"])[world.page_id][0]
        assert usage["call_count"] >= 100
    assert send(client, world, psid).status_code == 200
    assert client.get("/_sandbox/faults").get_json()["faults"][0]["remaining"] == 0


def test_server_error_fault_is_a_transient_500(client, world: World):
    control(client, "faults", {"kind": "server_error"})
    response = graph(client, "GET", "/me", world.user_token)
    error = response.get_json()["error"]
    assert response.status_code == 500
    assert error["code"] == 2
    assert error["is_transient"] is True
    assert graph(client, "GET", "/me", world.user_token).status_code == 200


def test_timeout_fault_holds_the_request_then_answers_500(client, world: World, sleeps):
    control(client, "settings", {"fault_timeout_seconds": 25})
    control(client, "faults", {"kind": "timeout", "page_id": world.page_id})
    response = graph(client, "GET", f"/{world.page_id}", world.page_token)
    assert response.status_code == 500
    assert sleeps == [25.0]


def test_latency_setting_delays_every_call(client, world: World, sleeps):
    control(client, "settings", {"latency_ms": 150})
    graph(client, "GET", "/me", world.user_token)
    assert sleeps == [0.15]


def test_faults_in_a_batch_hit_single_operations(client, world: World):
    psid = say(client, world)["psid"]
    control(client, "faults", {"kind": "server_error", "page_id": world.page_id})
    body = json.dumps({"id": psid})
    op = {
        "method": "POST",
        "relative_url": "me/messages",
        "body": f"recipient={body}&message={json.dumps({'text': 'x'})}",
    }
    results = client.post(
        "/", data={"access_token": world.page_token, "batch": json.dumps([op, op])}
    ).get_json()
    assert [r["code"] for r in results] == [500, 200]


def test_token_invalid_kills_page_and_admin_tokens_until_the_next_login(client, world: World):
    control(client, "faults", {"kind": "token_invalid", "page_id": world.page_id})
    for token in (world.user_token, world.page_token):
        error = graph(client, "GET", "/me", token).get_json()["error"]
        assert (error["code"], error["error_subcode"]) == (190, 460)
    html = sign_in(client)
    new_token = exchange(client, code_from(consent(client, html, **all_boxes(html)))).get_json()[
        "access_token"
    ]
    accounts = graph(client, "GET", "/me/accounts", new_token).get_json()["data"]
    assert accounts[0]["access_token"] != world.page_token
    assert graph(client, "GET", "/me", accounts[0]["access_token"]).status_code == 200


def test_permission_revoked_until_rerequested(client, world: World):
    psid = say(client, world)["psid"]
    control(client, "faults", {"kind": "permission_revoked", "page_id": world.page_id})
    refused = send(client, world, psid)
    assert refused.get_json()["error"]["code"] == 10
    html = sign_in(client, auth_type="rerequest", scope="pages_messaging")
    assert all_boxes(html)["scopes"] == ["pages_messaging"]
    consent(client, html, **all_boxes(html))
    assert send(client, world, psid).status_code == 200  # the grant is live for existing tokens


def test_other_permission_can_be_revoked(client, world: World):
    control(
        client,
        "faults",
        {"kind": "permission_revoked", "page_id": world.page_id, "permission": "pages_show_list"},
    )
    assert graph(client, "GET", "/me/accounts", world.user_token).get_json()["error"]["code"] == 200


def test_duplicate_delivery_posts_twice(client, subscribed: World, receiver):
    control(client, "faults", {"kind": "duplicate_delivery", "count": 1})
    say(client, subscribed, "one")
    say(client, subscribed, "two")
    texts = [e["message"]["text"] for e in receiver.events()]
    assert texts == ["one", "one", "two"]
    deliveries = client.get("/_sandbox/webhooks").get_json()["webhooks"]
    assert [d["duplicate"] for d in deliveries] == [False, True, False]


def test_fault_validation(client, world: World):
    assert client.post("/_sandbox/faults", json={"kind": "meteor"}).status_code == 400
    assert client.post("/_sandbox/faults", json={"kind": "token_invalid"}).status_code == 400
    assert (
        client.post("/_sandbox/faults", json={"kind": "rate_limit", "count": 0}).status_code == 400
    )
    assert (
        client.post("/_sandbox/faults", json={"kind": "rate_limit", "page_id": "404"}).status_code
        == 404
    )


def test_dialog_opened_without_scope_still_renders(client, world: World):
    assert open_dialog(client, scope="").status_code == 200


def test_tokens_already_used_see_permission_changes_at_once(client, world: World):
    psid = say(client, world)["psid"]
    assert send(client, world, psid).status_code == 200  # the Page token is now resolved (cached)
    graph(client, "DELETE", "/me/permissions/pages_messaging", world.user_token)
    assert send(client, world, psid).get_json()["error"]["code"] == 10
