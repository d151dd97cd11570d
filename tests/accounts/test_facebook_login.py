"""Facebook Login: the dialog, the state check, cancel, login, connect, declined permissions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.core.models import Role, User
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.support.graph import login_exchange


def start_dialog(client, path: str = "/auth/facebook") -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    assert (
        f"{url.scheme}://{url.netloc}{url.path}" == "https://www.facebook.test/v25.0/dialog/oauth"
    )
    return {key: values[0] for key, values in parse_qs(url.query).items()}


def test_the_dialog_asks_for_the_declared_permissions_with_a_state(client):
    params = start_dialog(client)
    assert params["client_id"] == "100000000000001"
    assert params["redirect_uri"] == "http://127.0.0.1:5000/auth/facebook/callback"
    assert params["response_type"] == "code"
    assert len(params["state"]) >= 32
    scopes = params["scope"].split(",")
    assert {"public_profile", "email", "pages_show_list", "pages_manage_metadata"} <= set(scopes)
    assert "auth_type" not in params


def test_a_callback_without_our_state_is_refused(client, graph):
    start_dialog(client)
    response = client.get(
        "/auth/facebook/callback?code=THE-CODE&state=forged", follow_redirects=True
    )
    assert "not started from this browser" in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []


def test_cancelling_the_dialog_changes_nothing_and_says_so(client, graph):
    state = start_dialog(client)["state"]
    response = client.get(
        f"/auth/facebook/callback?error=access_denied&error_reason=user_denied&state={state}",
        follow_redirects=True,
    )
    assert "You cancelled the Facebook dialog" in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []


def test_login_with_facebook_creates_a_verified_owner(client, graph):
    login_exchange(graph)
    state = start_dialog(client)["state"]
    response = client.get(f"/auth/facebook/callback?code=THE-CODE&state={state}")
    assert response.headers["Location"] == "/pages/connect"
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.name, user.role) == ("dana@example.com", "Dana Reyes", Role.OWNER)
    assert user.email_verified
    assert user.facebook_user_id == "5550001"
    assert user.facebook_token == "LONG-TOKEN"
    assert user.facebook_permissions["pages_messaging"] == "granted"
    # The state is single-use: replaying the callback is refused.
    replay = client.get(
        f"/auth/facebook/callback?code=THE-CODE&state={state}", follow_redirects=True
    )
    assert "not started from this browser" in replay.get_data(as_text=True)


def test_login_without_an_email_cannot_create_an_account(client, graph):
    login_exchange(graph, email=None)
    state = start_dialog(client)["state"]
    response = client.get(
        f"/auth/facebook/callback?code=THE-CODE&state={state}", follow_redirects=True
    )
    assert "needs your email address" in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []


def test_facebook_takes_over_an_unverified_account_with_its_validated_email(client, graph):
    squatter = UserFactory(email="dana@example.com", email_verified_at=None)
    login_exchange(graph)
    state = start_dialog(client)["state"]
    client.get(f"/auth/facebook/callback?code=THE-CODE&state={state}")
    db.session.refresh(squatter)
    assert squatter.facebook_user_id == "5550001"
    assert squatter.password_hash is None  # the unverified password no longer opens it
    assert squatter.email_verified


def test_declined_permissions_are_named_after_connecting(client, graph, owner):
    sign_in(client, owner)
    statuses = {
        "public_profile": "granted",
        "email": "granted",
        "pages_show_list": "granted",
        "pages_manage_metadata": "declined",
        "pages_messaging": "granted",
    }
    login_exchange(graph, email=owner.email, statuses=statuses)
    graph.get("https://graph.facebook.test/v25.0/me/accounts", json={"data": []})
    state = start_dialog(client)["state"]
    response = client.get(
        f"/auth/facebook/callback?code=THE-CODE&state={state}", follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Some permissions were not granted (Page webhooks and settings)" in html
    db.session.refresh(owner)
    assert owner.facebook_permissions["pages_manage_metadata"] == "declined"


def test_a_facebook_account_links_to_one_herald_account_only(client, graph, owner):
    UserFactory(facebook_user_id="5550001", facebook_token="OTHER")
    sign_in(client, owner)
    login_exchange(graph)
    state = start_dialog(client)["state"]
    response = client.get(
        f"/auth/facebook/callback?code=THE-CODE&state={state}", follow_redirects=True
    )
    assert "already connected to another Herald account" in response.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.facebook_user_id is None


def test_reconnect_asks_again_for_only_the_missing_permissions(client, owner):
    owner.facebook_permissions = {
        "public_profile": "granted",
        "email": "granted",
        "pages_show_list": "granted",
        "pages_manage_metadata": "declined",
        "pages_messaging": "granted",
    }
    db.session.commit()
    sign_in(client, owner)
    params = start_dialog(client, "/auth/facebook/reconnect")
    assert params["auth_type"] == "rerequest"
    assert params["scope"] == "pages_manage_metadata"
