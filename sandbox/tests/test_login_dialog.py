"""The Login dialog through its HTML forms, and the code exchange."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from sandbox.tests.conftest import APP_TOKEN, World, control, graph

APP_ID = "100000000000001"
SECRET = "dev-sandbox-app-secret"
REDIRECT = "http://herald.test/facebook/callback"
SCOPES = "email,pages_show_list,pages_messaging,pages_manage_metadata"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def _dialog_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def open_dialog(client: FlaskClient, **params: Any) -> Any:
    """GET the dialog with the usual parameters (overridable)."""
    query = {
        "client_id": APP_ID,
        "redirect_uri": REDIRECT,
        "state": "s1",
        "scope": SCOPES,
        **params,
    }
    return client.get("/v25.0/dialog/oauth", query_string=query)


def sign_in(client: FlaskClient, email: str = "dana@example.com", **params: Any) -> str:
    """Open the dialog, sign in through the form; return the consent page HTML."""
    page = open_dialog(client, **params).get_data(as_text=True)
    assert 'name="email"' in page
    response = client.post("/dialog/oauth/login", data={**_dialog_fields(page), "email": email})
    assert response.status_code == 302
    consent = client.get(response.headers["Location"])
    assert consent.status_code == 200
    return consent.get_data(as_text=True)


def consent(client: FlaskClient, html: str, *, action: str = "continue", **choices: Any) -> Any:
    """Submit the consent form with the given checkboxes and button."""
    data: dict[str, Any] = {**_dialog_fields(html), "action": action}
    data.update(choices)
    return client.post("/dialog/oauth/confirm", data=data)


def code_from(response: Any) -> str:
    """Return the code of a successful dialog redirect (checking state and ``#_=_``)."""
    location = response.headers["Location"]
    assert location.endswith("#_=_")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def exchange(client: FlaskClient, code: str, redirect_uri: str = REDIRECT) -> Any:
    """Exchange a code for a token."""
    return client.get(
        "/v25.0/oauth/access_token",
        query_string={
            "client_id": APP_ID,
            "client_secret": SECRET,
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )


def all_boxes(html: str) -> dict[str, list[str]]:
    """Return every checkbox value of the consent form (all checked, as by default)."""
    return {
        "page_ids": re.findall(r'name="page_ids" value="(\d+)"', html),
        "scopes": re.findall(r'name="scopes" value="([a-z_]+)"', html),
    }


def test_full_flow_grants_checked_permissions_and_shares_checked_pages(client, world: World):
    other = control(client, "pages", {"name": "Acme Bikes", "admin_ids": [world.user_id]})["id"]
    html = sign_in(client)
    boxes = all_boxes(html)
    assert set(boxes["page_ids"]) == {world.page_id, other}
    assert "checked" in html
    assert 'name="action" value="cancel"' in html
    response = consent(
        client, html, page_ids=[world.page_id], scopes=["pages_show_list", "pages_messaging"]
    )
    token_response = exchange(client, code_from(response))
    body = token_response.get_json()
    assert token_response.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    token = body["access_token"]
    permissions = graph(client, "GET", "/v25.0/me/permissions", token).get_json()["data"]
    statuses = {p["permission"]: p["status"] for p in permissions}
    assert statuses["pages_messaging"] == "granted"
    # dialog consent replaces what /_sandbox/tokens granted earlier only for what it asked about
    assert statuses["public_profile"] == "granted"
    accounts = graph(client, "GET", "/v25.0/me/accounts", token).get_json()["data"]
    assert [a["id"] for a in accounts] == [world.page_id]


def test_declined_permission_is_declined_and_email_absent(client):
    control(client, "users", {"name": "Sam Lee", "email": "sam@example.com"})
    html = sign_in(client, "sam@example.com")
    response = consent(client, html, scopes=["pages_show_list"])
    token = exchange(client, code_from(response)).get_json()["access_token"]
    statuses = {
        p["permission"]: p["status"]
        for p in graph(client, "GET", "/me/permissions", token).get_json()["data"]
    }
    assert statuses["email"] == "declined"
    me = graph(client, "GET", "/me", token, fields="id,name,email").get_json()
    assert "email" not in me
    assert me["name"] == "Sam Lee"


def test_email_present_when_granted(client):
    control(client, "users", {"name": "Sam Lee", "email": "sam@example.com"})
    html = sign_in(client, "sam@example.com")
    token = exchange(client, code_from(consent(client, html, scopes=["email"]))).get_json()[
        "access_token"
    ]
    assert (
        graph(client, "GET", "/me", token, fields="email").get_json()["email"] == "sam@example.com"
    )


def test_code_is_single_use(client, world: World):
    html = sign_in(client)
    code = code_from(consent(client, html, **all_boxes(html)))
    assert exchange(client, code).status_code == 200
    error = exchange(client, code).get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 36009)


def test_redirect_uri_must_be_identical(client, world: World):
    html = sign_in(client)
    code = code_from(consent(client, html, **all_boxes(html)))
    error = exchange(client, code, REDIRECT + "?x=1").get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 36008)


def test_code_expires_after_ten_minutes(client, world: World, clock):
    html = sign_in(client)
    code = code_from(consent(client, html, **all_boxes(html)))
    clock.advance(601)
    error = exchange(client, code).get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 36007)


def test_wrong_client_secret_is_refused(client, world: World):
    html = sign_in(client)
    code = code_from(consent(client, html, **all_boxes(html)))
    response = client.get(
        "/oauth/access_token",
        query_string={
            "client_id": APP_ID,
            "client_secret": "nope",
            "redirect_uri": REDIRECT,
            "code": code,
        },
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Error validating client secret."


def test_cancel_redirects_with_access_denied(client, world: World):
    response = consent(client, sign_in(client), action="cancel")
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    assert parse_qs(urlsplit(location).query) == {
        "error_reason": ["user_denied"],
        "error": ["access_denied"],
        "error_description": ["Permissions error."],
        "state": ["s1"],
    }
    assert "error_description=Permissions+error." in location


def test_rerequest_shows_only_missing_permissions(client):
    user = control(client, "users", {"name": "Sam Lee", "email": "sam@example.com"})
    page_id = control(client, "pages", {"name": "Sam's Shop", "admin_ids": [user["id"]]})["id"]
    first = sign_in(client, "sam@example.com")
    assert all_boxes(first)["scopes"] == SCOPES.split(",")
    consent(client, first, page_ids=[page_id], scopes=["pages_show_list", "email"])
    normal = open_dialog(client).get_data(as_text=True)
    # declined permissions are not asked again without auth_type=rerequest
    assert all_boxes(normal)["scopes"] == []
    rerequest = open_dialog(client, auth_type="rerequest").get_data(as_text=True)
    assert all_boxes(rerequest)["scopes"] == ["pages_messaging", "pages_manage_metadata"]
    response = consent(client, rerequest, page_ids=[page_id], scopes=["pages_messaging"])
    token = exchange(client, code_from(response)).get_json()["access_token"]
    statuses = {
        p["permission"]: p["status"]
        for p in graph(client, "GET", "/me/permissions", token).get_json()["data"]
    }
    assert statuses == {
        "public_profile": "granted",
        "email": "granted",
        "pages_show_list": "granted",
        "pages_messaging": "granted",
        "pages_manage_metadata": "declined",
    }


def test_unknown_client_id_shows_an_error_page_not_a_redirect(client):
    response = open_dialog(client, client_id="123")
    assert response.status_code == 400
    assert "Invalid App ID" in response.get_data(as_text=True)


def test_redirect_uri_not_whitelisted_shows_an_error_page(client):
    control(client, f"apps/{APP_ID}", {"redirect_uris": ["https://herald.example/callback"]})
    response = open_dialog(client)
    assert response.status_code == 400
    assert "URL blocked" in response.get_data(as_text=True)


def test_invalid_scope_shows_an_error_page(client):
    response = open_dialog(client, scope="email,manage_pages")
    assert response.status_code == 400
    assert "Invalid Scopes: manage_pages" in response.get_data(as_text=True)


def test_unknown_email_stays_on_the_sign_in_form(client):
    page = open_dialog(client).get_data(as_text=True)
    response = client.post(
        "/dialog/oauth/login", data={**_dialog_fields(page), "email": "who@example.com"}
    )
    assert response.status_code == 200
    assert "isn&#39;t connected to an account" in response.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(client, world: World):
    html = sign_in(client)
    fields = _dialog_fields(html)
    fields.pop("csrf_token")
    assert (
        client.post("/dialog/oauth/confirm", data={**fields, "action": "continue"}).status_code
        == 400
    )


def test_forms_have_labelled_stable_inputs_for_browsers(client, world: World):
    login = open_dialog(client).get_data(as_text=True)
    assert '<label for="email">' in login
    assert 'name="login"' in login
    html = sign_in(client)
    assert 'name="action" value="continue"' in html
    assert "<legend>" in html
    assert _hidden(html, "state") == "s1"


def test_long_lived_exchange_and_app_token(client, world: World):
    html = sign_in(client)
    short = exchange(client, code_from(consent(client, html, **all_boxes(html)))).get_json()[
        "access_token"
    ]
    long_lived = client.get(
        "/oauth/access_token",
        query_string={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": SECRET,
            "fb_exchange_token": short,
        },
    ).get_json()
    assert long_lived["expires_in"] == 5183944
    assert long_lived["access_token"] != short
    app_token = client.get(
        "/oauth/access_token",
        query_string={
            "grant_type": "client_credentials",
            "client_id": APP_ID,
            "client_secret": SECRET,
        },
    ).get_json()
    assert app_token["access_token"].startswith(f"{APP_ID}|")
    info = graph(
        client,
        "GET",
        "/debug_token",
        app_token["access_token"],
        input_token=long_lived["access_token"],
    )
    assert info.get_json()["data"]["is_valid"] is True


def test_expired_token_cannot_be_exchanged(client, world: World, clock):
    token = control(
        client, "tokens", {"user_id": world.user_id, "scopes": ["email"], "expires_in": 60}
    )
    clock.advance(61)
    response = client.get(
        "/oauth/access_token",
        query_string={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": SECRET,
            "fb_exchange_token": token["access_token"],
        },
    )
    error = response.get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (190, 463)


def test_literal_app_token_works_for_debug_token(client, world: World):
    data = graph(client, "GET", "/debug_token", APP_TOKEN, input_token=world.user_token).get_json()[
        "data"
    ]
    assert data["type"] == "USER"
    assert data["is_valid"] is True
