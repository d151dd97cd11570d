"""Graph basics: versions, token transport, appsecret_proof, error envelopes, unknown paths."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sandbox.errors import GraphError
from sandbox.tests.conftest import APP_TOKEN, World, graph


@pytest.mark.parametrize("prefix", ["", "/v25.0", "/v3.2", "/v99.0"])
def test_every_version_prefix_and_none_reaches_the_same_node(client, world: World, prefix):
    response = client.get(f"{prefix}/me", query_string={"access_token": world.user_token})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Dana Reyes"
    assert response.headers["facebook-api-version"] == (prefix.strip("/") or "v25.0")


def test_token_in_query_form_and_authorization_headers(client, world: World):
    by_query = client.get("/v25.0/me", query_string={"access_token": world.user_token})
    by_form = client.post(
        "/v25.0/me/subscribed_apps", data={"access_token": world.user_token}
    )  # a POST on a user node: the token must still be read from the form
    bearer = client.get("/v25.0/me", headers={"Authorization": f"Bearer {world.user_token}"})
    oauth = client.get("/v25.0/me", headers={"Authorization": f"OAuth {world.user_token}"})
    assert by_query.status_code == bearer.status_code == oauth.status_code == 200
    assert by_form.get_json()["error"]["code"] == 100  # token accepted, operation unsupported
    assert by_form.get_json()["error"]["error_subcode"] == 33


def test_form_encoded_post_with_json_string_values(client, world: World):
    psid = client.post(
        f"/_sandbox/people/{world.person_id}/messages",
        json={"page_id": world.page_id, "text": "hi"},
    ).get_json()["psid"]
    response = client.post(
        f"/v25.0/{world.page_id}/messages",
        data={
            "access_token": world.page_token,
            "recipient": f'{{"id":"{psid}"}}',
            "message": '{"text":"hello"}',
            "messaging_type": "RESPONSE",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["recipient_id"] == psid


def test_missing_token_errors_match_graph(client, world: World):
    me = client.get("/v25.0/me").get_json()["error"]
    page = client.get(f"/v25.0/{world.page_id}").get_json()["error"]
    assert (me["code"], page["code"]) == (2500, 104)


def test_unknown_token_is_190_without_subcode_and_with_www_authenticate(client):
    response = client.get("/v25.0/me", query_string={"access_token": "EAABnonsense"})
    error = response.get_json()["error"]
    assert response.status_code == 400
    assert error == {
        "message": "Invalid OAuth access token - Cannot parse access token",
        "type": "OAuthException",
        "code": 190,
        "fbtrace_id": error["fbtrace_id"],
    }
    assert response.headers["WWW-Authenticate"].startswith(
        'OAuth "Facebook Platform" "invalid_token"'
    )


def test_correct_appsecret_proof_is_accepted_and_a_wrong_one_refused(client, world: World):
    proof = hmac.new(
        b"dev-sandbox-app-secret", world.user_token.encode(), hashlib.sha256
    ).hexdigest()
    good = graph(client, "GET", "/v25.0/me", world.user_token, appsecret_proof=proof)
    bad = graph(client, "GET", "/v25.0/me", world.user_token, appsecret_proof="0" * 64)
    assert good.status_code == 200
    error = bad.get_json()["error"]
    assert (error["code"], error["message"]) == (
        100,
        "Invalid appsecret_proof provided in the API argument",
    )
    assert "error_subcode" not in error


def test_unknown_object_is_100_33(client, world: World):
    error = graph(client, "GET", "/v25.0/999999999999999", world.user_token).get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert error["message"].startswith("Unsupported get request. Object with ID '999999999999999'")


def test_unknown_edge_and_unknown_field_are_nonexisting_field_errors(client, world: World):
    edge = graph(client, "GET", f"/v25.0/{world.page_id}/nonsense", world.page_token).get_json()
    field = graph(client, "GET", "/v25.0/me", world.user_token, fields="id,shoe_size").get_json()
    assert (
        edge["error"]["message"]
        == "(#100) Tried accessing nonexisting field (nonsense) on node type (Page)"
    )
    assert (
        field["error"]["message"]
        == "(#100) Tried accessing nonexisting field (shoe_size) on node type (User)"
    )


def test_too_deep_path_is_unknown_path_components(client, world: World):
    error = graph(
        client, "GET", f"/v25.0/{world.page_id}/subscribed_apps/x", world.page_token
    ).get_json()
    assert error["error"]["code"] == 2500


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (1, 500),
        (2, 500),
        (4, 403),
        (10, 400),
        (100, 400),
        (190, 400),
        (200, 403),
        (551, 400),
        (613, 400),
    ],
)
def test_http_status_follows_the_error_code(code, status):
    assert GraphError(code, "x").http_status == status


def test_messages_carry_the_code_prefix_unless_meta_omits_it():
    assert GraphError(100, "No matching user found").message == "(#100) No matching user found"
    assert GraphError(190, "Expired", prefixed=False).message == "Expired"


def test_every_response_carries_usage_headers(client, world: World):
    user_call = graph(client, "GET", "/v25.0/me", world.user_token)
    page_call = graph(client, "GET", f"/v25.0/{world.page_id}", world.page_token)
    assert "call_count" in user_call.headers["X-App-Usage"]
    assert "X-Business-Use-Case-Usage" not in user_call.headers
    assert world.page_id in page_call.headers["X-Business-Use-Case-Usage"]


def test_app_node_is_readable(client):
    data = graph(client, "GET", "/v25.0/100000000000001", APP_TOKEN).get_json()
    assert data == {"name": "Herald (development)", "id": "100000000000001"}


def test_page_by_username(client, world: World):
    data = graph(
        client, "GET", "/v25.0/acmecoffee", world.user_token, fields="id,username"
    ).get_json()
    assert data == {"id": world.page_id, "username": "acmecoffee"}
