"""/me, permissions, de-authorization, /me/accounts paging, Page tokens and debug_token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sandbox.tests.conftest import APP_TOKEN, World, control, graph
from sandbox.webhooks.signed_request import parse_signed_request


def test_me_returns_the_app_scoped_id_not_the_global_one(client, world: World):
    me = graph(client, "GET", "/v25.0/me", world.user_token, fields="id,name,email").get_json()
    assert me["name"] == "Dana Reyes"
    assert me["email"] == "dana@example.com"
    assert me["id"] != world.user_id


def test_accounts_lists_shared_pages_with_page_tokens_and_tasks(client, world: World):
    data = graph(client, "GET", "/v25.0/me/accounts", world.user_token).get_json()["data"]
    assert len(data) == 1
    page = data[0]
    assert set(page) == {"access_token", "category", "category_list", "name", "id", "tasks"}
    assert page["tasks"] == [
        "ANALYZE",
        "ADVERTISE",
        "MESSAGING",
        "MODERATE",
        "CREATE_CONTENT",
        "MANAGE",
    ]
    # the same user token yields the same Page token
    again = graph(client, "GET", "/v25.0/me/accounts", world.user_token).get_json()["data"][0]
    assert again["access_token"] == page["access_token"] == world.page_token


def test_accounts_requested_fields(client, world: World):
    fields = "id,name,username,fan_count,followers_count,link,category_list"
    page = graph(client, "GET", "/me/accounts", world.user_token, fields=fields).get_json()["data"][
        0
    ]
    assert page["username"] == "acmecoffee"
    assert page["link"] == "https://www.facebook.com/acmecoffee"
    assert set(page) == set(fields.split(",")) - set()


def test_accounts_cursor_paging_with_next_links_back_to_this_server(client, world: World):
    for n in range(4):
        control(client, "pages", {"name": f"Page {n}", "admin_ids": [world.user_id]})
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_show_list"]})[
        "access_token"
    ]
    first = graph(client, "GET", "/v25.0/me/accounts", token, limit=2).get_json()
    assert len(first["data"]) == 2
    assert "previous" not in first["paging"]
    next_url = urlsplit(first["paging"]["next"])
    assert next_url.netloc == "localhost"
    assert next_url.path.startswith("/v25.0/")
    assert next_url.path.endswith("/accounts")
    query = {k: v[0] for k, v in parse_qs(next_url.query).items()}
    assert query["limit"] == "2"
    assert query["access_token"] == token
    second = client.get(next_url.path, query_string=query).get_json()
    third = client.get(
        urlsplit(second["paging"]["next"]).path,
        query_string={
            k: v[0] for k, v in parse_qs(urlsplit(second["paging"]["next"]).query).items()
        },
    ).get_json()
    ids = [p["id"] for p in first["data"] + second["data"] + third["data"]]
    assert len(ids) == len(set(ids)) == 5
    assert "next" not in third["paging"]
    assert "previous" in third["paging"]
    before = graph(
        client,
        "GET",
        "/v25.0/me/accounts",
        token,
        limit=2,
        before=second["paging"]["cursors"]["before"],
    )
    assert [p["id"] for p in before.get_json()["data"]] == [p["id"] for p in first["data"]]


def test_unversioned_next_link_has_no_version(client, world: World):
    control(client, "pages", {"name": "Second", "admin_ids": [world.user_id]})
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_show_list"]})[
        "access_token"
    ]
    paging = graph(client, "GET", "/me/accounts", token, limit=1).get_json()["paging"]
    assert not urlsplit(paging["next"]).path.startswith("/v")


def test_accounts_requires_pages_show_list(client, world: World):
    token = control(
        client,
        "tokens",
        {"user_id": world.user_id, "scopes": ["email"], "app_id": _other_app(client)},
    )
    error = graph(client, "GET", "/me/accounts", token["access_token"]).get_json()["error"]
    assert error["code"] == 200
    assert "pages_show_list" in error["message"]


def _other_app(client) -> str:
    return control(client, "apps", {"name": "Other app"})["id"]


def test_page_node_access_token_field_for_a_managing_user(client, world: World):
    data = graph(
        client, "GET", f"/v25.0/{world.page_id}", world.user_token, fields="access_token,id"
    ).get_json()
    assert data == {"access_token": world.page_token, "id": world.page_id}
    stranger = control(client, "users", {"name": "Other", "email": "o@example.com"})
    token = control(client, "tokens", {"user_id": stranger["id"], "scopes": ["pages_show_list"]})[
        "access_token"
    ]
    assert (
        "access_token"
        not in graph(client, "GET", f"/{world.page_id}", token, fields="access_token,id").get_json()
    )


def test_debug_token_for_page_user_and_app_tokens(client, world: World):
    page = graph(client, "GET", "/debug_token", APP_TOKEN, input_token=world.page_token).get_json()[
        "data"
    ]
    assert page["type"] == "PAGE"
    assert page["profile_id"] == world.page_id
    assert page["expires_at"] == 0
    messaging = next(s for s in page["granular_scopes"] if s["scope"] == "pages_messaging")
    assert messaging["target_ids"] == [world.page_id]
    assert {"scope": "email"} in page["granular_scopes"]
    user = graph(client, "GET", "/debug_token", APP_TOKEN, input_token=world.user_token).get_json()[
        "data"
    ]
    assert user["type"] == "USER"
    assert user["expires_at"] > user["issued_at"]
    assert user["user_id"] == graph(client, "GET", "/me", world.user_token).get_json()["id"]


def test_debug_token_requires_an_app_token(client, world: World):
    error = graph(
        client, "GET", "/debug_token", world.user_token, input_token=world.page_token
    ).get_json()
    assert error["error"]["code"] == 100


def test_debug_token_of_garbage_and_expired_tokens(client, world: World, clock):
    garbage = graph(client, "GET", "/debug_token", APP_TOKEN, input_token="EAAnope").get_json()[
        "data"
    ]
    assert garbage["is_valid"] is False
    assert garbage["error"]["code"] == 190
    short = control(
        client, "tokens", {"user_id": world.user_id, "scopes": ["email"], "expires_in": 3600}
    )
    clock.advance(3601)
    expired = graph(
        client, "GET", "/debug_token", APP_TOKEN, input_token=short["access_token"]
    ).get_json()["data"]
    assert expired["is_valid"] is False
    assert (expired["error"]["code"], expired["error"]["subcode"]) == (190, 463)


def test_expired_user_token_is_190_463_and_its_page_tokens_expire_too(client, world: World, clock):
    short = control(
        client,
        "tokens",
        {
            "user_id": world.user_id,
            "scopes": ["pages_show_list", "pages_messaging"],
            "expires_in": 3600,
        },
    )
    page_token = short["page_tokens"][world.page_id]
    info = graph(client, "GET", "/debug_token", APP_TOKEN, input_token=page_token).get_json()[
        "data"
    ]
    assert info["expires_at"] == info["issued_at"] + 3600
    clock.advance(3601)
    for token in (short["access_token"], page_token):
        error = graph(client, "GET", "/me", token).get_json()["error"]
        assert (error["code"], error["error_subcode"]) == (190, 463)
        assert error["message"].startswith("Error validating access token: Session has expired on")
    # the long-lived world tokens still work
    assert graph(client, "GET", "/me", world.page_token).status_code == 200


def test_revoking_one_permission(client, world: World):
    assert graph(
        client, "DELETE", "/v25.0/me/permissions/pages_messaging", world.user_token
    ).get_json() == {"success": True}
    statuses = {
        p["permission"]: p["status"]
        for p in graph(client, "GET", "/me/permissions", world.user_token).get_json()["data"]
    }
    assert statuses["pages_messaging"] == "declined"
    one = graph(client, "GET", "/me/permissions/email", world.user_token).get_json()
    assert one == {"data": [{"permission": "email", "status": "granted"}]}


def test_deauthorization_kills_tokens_with_458_and_calls_the_deauthorize_callback(
    client, world: World, receiver, sb
):
    control(client, "apps/100000000000001", {"deauthorize_callback_url": receiver.url})
    asid = graph(client, "GET", "/me", world.user_token).get_json()["id"]
    assert graph(client, "DELETE", "/v25.0/me/permissions", world.user_token).get_json() == {
        "success": True
    }
    for token in (world.user_token, world.page_token):
        error = graph(client, "GET", "/me", token).get_json()["error"]
        assert (error["code"], error["error_subcode"]) == (190, 458)
    assert sb.dispatcher.run_once() == 1
    post = receiver.posts()[0]
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    signed = parse_qs(post.body.decode())["signed_request"][0]
    payload = parse_signed_request("dev-sandbox-app-secret", signed)
    assert payload is not None
    assert payload["algorithm"] == "HMAC-SHA256"
    assert payload["user_id"] == asid
    assert parse_signed_request("wrong-secret", signed) is None


def test_user_removing_the_app_calls_both_callbacks(client, world: World, receiver, sb):
    control(
        client,
        "apps/100000000000001",
        {
            "deauthorize_callback_url": receiver.url,
            "data_deletion_callback_url": receiver.url + "?deletion=1",
        },
    )
    result = control(client, f"users/{world.user_id}/remove_app", {"delete_data": True})
    assert result["callbacks"] == ["deauthorize", "data_deletion"]
    assert sb.dispatcher.run_once() == 2
    assert [p.query.get("deletion") for p in receiver.posts()] == [None, ["1"]]


def test_signing_in_again_after_deauthorization_issues_working_tokens(client, world: World):
    graph(client, "DELETE", "/me/permissions", world.user_token)
    fresh = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_show_list"]})
    assert graph(client, "GET", "/me/accounts", fresh["access_token"]).status_code == 200
