"""Connecting Pages: listing, connecting, refusing, disconnecting; tokens never leave the server."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.core.models import Page, PageStatus, Role
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import PageFactory, SubscriberFactory, UserFactory
from tests.support.graph import GRAPH, accounts

PAGES = [
    {
        "id": "101",
        "name": "Acme Coffee",
        "access_token": "PAGE-TOKEN-101",
        "tasks": ["MANAGE", "MESSAGING"],
        "category": "Coffee shop",
        "username": "acmecoffee",
    },
    {"id": "202", "name": "Acme Bikes", "access_token": "PAGE-TOKEN-202", "tasks": ["MESSAGING"]},
]
CALLBACK = "http://127.0.0.1:5000/webhooks/messenger"


@pytest.fixture
def admin(app):
    return UserFactory(facebook=True)


@pytest.fixture
def admin_client(client, admin):
    sign_in(client, admin)
    return client


def expect_connect_calls(graph, page_ids, *, app_subscribed: bool = False) -> None:
    accounts(graph, PAGES)
    for page_id in page_ids:
        graph.post(f"{GRAPH}/{page_id}/subscribed_apps", json={"success": True})
        graph.get(f"{GRAPH}/{page_id}/messenger_profile", json={"data": []})
        graph.post(f"{GRAPH}/{page_id}/messenger_profile", json={"result": "success"})
    current = [
        {
            "object": "page",
            "callback_url": CALLBACK,
            "active": True,
            "fields": [
                {"name": f}
                for f in (
                    "messages",
                    "messaging_postbacks",
                    "messaging_optins",
                    "messaging_referrals",
                    "message_echoes",
                    "message_deliveries",
                    "message_reads",
                    "feed",
                )
            ],
        }
    ]
    graph.get(
        f"{GRAPH}/100000000000001/subscriptions", json={"data": current if app_subscribed else []}
    )
    if not app_subscribed:
        graph.post(f"{GRAPH}/100000000000001/subscriptions", json={"success": True})


def test_the_connect_page_lists_every_page_with_its_state(admin_client, admin, graph):
    PageFactory(facebook_page_id="202")  # connected by another workspace
    accounts(graph, PAGES)
    html = admin_client.get("/pages/connect").get_data(as_text=True)
    assert "Acme Coffee" in html
    assert "Already connected to another Herald workspace." in html
    assert "PAGE-TOKEN" not in html


def test_connecting_stores_the_token_encrypted_and_subscribes(admin_client, admin, graph):
    expect_connect_calls(graph, ["101"])
    response = admin_client.post("/pages/connect", data={"page": ["101"]})
    assert response.status_code == 302
    page = db.session.scalars(select(Page)).one()
    assert (page.name, page.username, page.workspace_id) == (
        "Acme Coffee",
        "acmecoffee",
        admin.workspace_id,
    )
    assert page.access_token == "PAGE-TOKEN-101"
    raw = db.session.execute(text("SELECT access_token FROM pages")).scalar_one()
    assert "PAGE-TOKEN" not in raw
    assert page.subscribed_fields[-1] == "feed"
    assert "messages" in page.subscribed_fields
    subscribe = next(
        c for c in graph.calls if c.request.url.startswith(f"{GRAPH}/101/subscribed_apps")
    )
    assert "subscribed_fields=messages%2Cmessaging_postbacks" in subscribe.request.body
    register = next(
        c for c in graph.calls if c.request.method == "POST" and "subscriptions" in c.request.url
    )
    assert (
        "callback_url=http%3A%2F%2F127.0.0.1%3A5000%2Fwebhooks%2Fmessenger" in register.request.body
    )
    assert "verify_token=dev-verify-token" in register.request.body
    profile = next(
        c
        for c in graph.calls
        if c.request.url.startswith(f"{GRAPH}/101/messenger_profile") and c.request.method == "POST"
    )
    assert "get_started=%7B%22payload%22%3A%22GET_STARTED%22%7D" in profile.request.body


def test_a_page_of_another_workspace_is_refused(admin_client, graph):
    PageFactory(facebook_page_id="202", name="Acme Bikes")
    accounts(graph, PAGES)
    response = admin_client.post("/pages/connect", data={"page": ["202"]}, follow_redirects=True)
    assert "already connected to another Herald workspace" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Page)).all()) == 1


def test_a_page_another_workspace_disconnected_can_be_connected_here(admin_client, admin, graph):
    theirs = PageFactory(facebook_page_id="101", status=PageStatus.DISCONNECTED)
    accounts(graph, PAGES)
    assert "Already connected" not in admin_client.get("/pages/connect").get_data(as_text=True)
    expect_connect_calls(graph, ["101"])
    admin_client.post("/pages/connect", data={"page": ["101"]})
    mine = db.session.scalars(select(Page).where(Page.workspace_id == admin.workspace_id)).one()
    assert (mine.facebook_page_id, mine.status) == ("101", PageStatus.CONNECTED)
    db.session.refresh(theirs)
    assert theirs.status == PageStatus.DISCONNECTED  # their history stays theirs
    theirs.status = PageStatus.CONNECTED  # a second live connection of the same Page
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_pages_list_shows_counts_and_the_m_me_link_but_no_token(admin_client, admin):
    page = PageFactory(
        workspace=admin.workspace, username="acmecoffee", access_token="SECRET-TOKEN"
    )
    SubscriberFactory.create_batch(3, page=page)
    html = admin_client.get("/pages/").get_data(as_text=True)
    assert 'data-testid="subscriber-count">3<' in html
    assert "https://m.me/acmecoffee" in html
    assert "SECRET-TOKEN" not in html
    svg = admin_client.get(f"/pages/{page.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert b"https://m.me/acmecoffee" in svg.data


def test_disconnect_unsubscribes_and_keeps_subscribers(admin_client, admin, graph):
    page = PageFactory(workspace=admin.workspace, facebook_page_id="101")
    SubscriberFactory(page=page)
    graph.delete(f"{GRAPH}/101/subscribed_apps", json={"success": True})
    admin_client.post(f"/pages/{page.id}/disconnect")
    db.session.refresh(page)
    assert page.status == PageStatus.DISCONNECTED
    assert page.access_token is None
    assert len(page.workspace.pages) == 1
    assert "1 subscribers kept" in admin_client.get("/pages/").get_data(as_text=True)


def test_other_workspaces_pages_are_404(admin_client, graph):
    foreign = PageFactory()
    assert admin_client.get(f"/pages/{foreign.id}/qr.svg").status_code == 404
    assert admin_client.post(f"/pages/{foreign.id}/disconnect").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == PageStatus.CONNECTED


def test_marketers_cannot_connect_or_disconnect(client, admin):
    page = PageFactory(workspace=admin.workspace)
    marketer = UserFactory(workspace=admin.workspace, role=Role.MARKETER)
    sign_in(client, marketer)
    assert client.get("/pages/connect").status_code == 403
    assert client.post(f"/pages/{page.id}/disconnect").status_code == 403


def test_an_expired_user_token_leads_to_reconnecting(admin_client, graph):
    graph.get(
        f"{GRAPH}/me/accounts",
        status=400,
        json={
            "error": {
                "message": "Error validating access token: Session has expired",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            }
        },
    )
    response = admin_client.get("/pages/connect")
    assert response.headers["Location"] == "/auth/facebook/reconnect"


def test_a_feature_without_its_permission_explains_and_offers_to_ask_again(client):
    user = UserFactory(facebook=True)
    user.facebook_permissions = {**user.facebook_permissions, "pages_messaging": "declined"}
    db.session.commit()
    sign_in(client, user)
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="permission-notice"' in html
    assert "Messenger conversations" in html
    assert "/auth/facebook/reconnect" in html
    user.facebook_permissions = {**user.facebook_permissions, "pages_messaging": "granted"}
    db.session.commit()
    assert 'data-testid="permission-notice"' not in client.get("/inbox/").get_data(as_text=True)


def test_a_gap_recorded_on_a_page_shows_even_when_the_user_granted_everything(client):
    user = UserFactory(facebook=True)
    PageFactory(workspace=user.workspace, missing_permissions=["pages_manage_metadata"])
    sign_in(client, user)
    html = client.get("/pages/").get_data(as_text=True)
    assert "Page webhooks and settings" in html
    assert 'data-testid="permission-notice"' in html
