"""Batch requests and the Send API's per-Page rate limit."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from sandbox.tests.conftest import World, control, graph, say


def _send_op(psid: str, text: str = "hi", token: str | None = None) -> dict:
    body = {
        "recipient": json.dumps({"id": psid}),
        "message": json.dumps({"text": text}),
        "messaging_type": "RESPONSE",
    }
    if token:
        body["access_token"] = token
    return {"method": "POST", "relative_url": "me/messages", "body": urlencode(body)}


def _batch(client, token: str | None, operations: list, path: str = "/v25.0/", **params):
    data = {"batch": json.dumps(operations), **params}
    if token:
        data["access_token"] = token
    return client.post(path, data=data)


def test_independent_operations_answer_in_order_with_string_bodies(client, world: World):
    psid = say(client, world)["psid"]
    operations = [
        {"method": "GET", "relative_url": f"{world.page_id}?fields=name"},
        _send_op(psid, "one"),
        _send_op("2999999999999999"),
        {"method": "GET", "relative_url": "v25.0/me?fields=id"},
    ]
    response = _batch(client, world.page_token, operations)
    assert response.status_code == 200
    results = response.get_json()
    assert [r["code"] for r in results] == [200, 200, 400, 200]
    assert all(isinstance(r["body"], str) for r in results)
    assert json.loads(results[0]["body"]) == {"name": "Acme Coffee", "id": world.page_id}
    assert json.loads(results[2]["body"])["error"]["error_subcode"] == 2018001
    header_names = {h["name"] for h in results[1]["headers"]}
    assert {"Content-Type", "X-Business-Use-Case-Usage", "X-App-Usage"} <= header_names
    thread = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()["messages"]
    assert [m["text"] for m in thread] == ["hello", "one"]


def test_batch_on_me_and_without_headers(client, world: World):
    psid = say(client, world)["psid"]
    results = _batch(
        client, world.page_token, [_send_op(psid)], path="/me", include_headers="false"
    ).get_json()
    assert results == [{"code": 200, "body": results[0]["body"]}]


def test_more_than_50_operations_is_refused(client, world: World):
    operations = [{"method": "GET", "relative_url": "me"}] * 51
    response = _batch(client, world.page_token, operations)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == 100
    assert "Maximum batch size is 50" in response.get_json()["error"]["message"]


def test_per_operation_access_token(client, world: World):
    other = control(client, "pages", {"name": "Acme Bikes", "admin_ids": [world.user_id]})["id"]
    tokens = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_messaging"]})[
        "page_tokens"
    ]
    operations = [
        {"method": "GET", "relative_url": "me?fields=id"},
        {"method": "GET", "relative_url": f"me?fields=id&access_token={tokens[other]}"},
        {"method": "GET", "relative_url": "me", "body": f"access_token={tokens[world.page_id]}"},
    ]
    results = _batch(client, None, operations).get_json()
    assert json.loads(results[0]["body"])["error"]["code"] == 2500  # no token at all
    assert json.loads(results[1]["body"])["id"] == other
    assert json.loads(results[2]["body"])["id"] == world.page_id


def test_each_operation_is_logged_as_a_call(client, world: World):
    psid = say(client, world)["psid"]
    _batch(client, world.page_token, [_send_op(psid), _send_op(psid)])
    calls = client.get("/_sandbox/calls").get_json()["calls"]
    sends = [c for c in calls if c["batch"] and c["path"].endswith("/me/messages")]
    assert len(sends) == 2
    assert all(c["page_id"] == world.page_id for c in sends)


def test_send_rate_limit_per_page_counts_batch_operations(client, world: World, clock):
    control(client, "settings", {"send_rate_limit": 5})
    psid = say(client, world)["psid"]
    results = _batch(
        client, world.page_token, [_send_op(psid, str(n)) for n in range(7)]
    ).get_json()
    assert [r["code"] for r in results] == [200] * 5 + [400] * 2
    error = json.loads(results[5]["body"])["error"]
    assert error["code"] == 613
    assert error["message"] == "(#613) Calls to this api have exceeded the rate limit."
    headers = {h["name"]: h["value"] for h in results[5]["headers"]}
    usage = json.loads(headers["X-Business-Use-Case-Usage"])[world.page_id][0]
    assert usage["type"] == "messenger"
    assert usage["call_count"] >= 100
    assert "estimated_time_to_regain_access" in usage
    single = graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        world.page_token,
        recipient={"id": psid},
        message={"text": "x"},
    )
    assert single.get_json()["error"]["code"] == 613
    clock.advance(1.0)
    assert (
        graph(
            client,
            "POST",
            f"/{world.page_id}/messages",
            world.page_token,
            recipient={"id": psid},
            message={"text": "x"},
        ).status_code
        == 200
    )
    assert client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"] == "rate_limit"


def test_the_window_slides(client, world: World, clock):
    control(client, "settings", {"send_rate_limit": 2})
    psid = say(client, world)["psid"]

    def one():
        """Send one message and return the HTTP status."""
        return graph(
            client,
            "POST",
            f"/{world.page_id}/messages",
            world.page_token,
            recipient={"id": psid},
            message={"text": "x"},
        ).status_code

    assert one() == 200
    clock.advance(0.6)
    assert one() == 200
    assert one() == 400
    clock.advance(0.5)  # the first send left the window
    assert one() == 200


def test_limits_are_per_page(client, world: World):
    control(client, "settings", {"send_rate_limit": 1})
    other = control(client, "pages", {"name": "Acme Bikes", "admin_ids": [world.user_id]})["id"]
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_messaging"]})[
        "page_tokens"
    ][other]
    psid = say(client, world)["psid"]
    other_psid = control(
        client, f"people/{world.person_id}/messages", {"page_id": other, "text": "x"}
    )["psid"]
    assert (
        graph(
            client,
            "POST",
            f"/{world.page_id}/messages",
            world.page_token,
            recipient={"id": psid},
            message={"text": "x"},
        ).status_code
        == 200
    )
    assert (
        graph(
            client,
            "POST",
            f"/{other}/messages",
            token,
            recipient={"id": other_psid},
            message={"text": "x"},
        ).status_code
        == 200
    )


def test_zero_means_unlimited(client, world: World):
    control(client, "settings", {"send_rate_limit": 0})
    psid = say(client, world)["psid"]
    results = _batch(client, world.page_token, [_send_op(psid)] * 50).get_json()
    assert {r["code"] for r in results} == {200}


def test_usage_headers_report_send_window_percentages(client, world: World):
    control(client, "settings", {"send_rate_limit": 10})
    psid = say(client, world)["psid"]
    for _ in range(3):
        response = graph(
            client,
            "POST",
            f"/{world.page_id}/messages",
            world.page_token,
            recipient={"id": psid},
            message={"text": "x"},
        )
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])[world.page_id][0]
    assert usage["call_count"] == 30
    assert usage["type"] == "messenger"


def test_the_batch_request_itself_is_logged_too(client, world: World):
    _batch(client, world.page_token, [{"method": "GET", "relative_url": "me"}])
    calls = client.get("/_sandbox/calls").get_json()["calls"]
    assert [(c["path"], c["batch"]) for c in calls] == [("/v25.0/me", True), ("/v25.0/", False)]


def test_sender_actions_count_against_the_limit(client, world: World):
    control(client, "settings", {"send_rate_limit": 1})
    psid = say(client, world)["psid"]
    path = f"/{world.page_id}/messages"
    seen = graph(
        client, "POST", path, world.page_token, recipient={"id": psid}, sender_action="mark_seen"
    )
    typing = graph(
        client, "POST", path, world.page_token, recipient={"id": psid}, sender_action="typing_on"
    )
    assert seen.status_code == 200
    assert typing.get_json()["error"]["code"] == 613
