"""The people simulator and the Login dialog in a real (headless) Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.tests.conftest import SCREENSHOTS, World, graph

pytestmark = pytest.mark.browser
REDIRECT = "http://herald.test/facebook/callback"


def test_simulator_chat_round_trip(tab, live_server, client, subscribed: World, receiver):
    tab.goto(f"{live_server}/_sandbox/simulator")
    tab.get_by_label("You are").select_option(subscribed.person_id)
    tab.get_by_label("Message", exact=True).fill("Do you have oat milk?")
    tab.get_by_role("button", name="Send").click()
    tab.locator(".msg.in .bubble", has_text="Do you have oat milk?").wait_for()
    tab.get_by_role("status").filter(has_text="webhook delivered").wait_for()
    incoming = receiver.events()[-1]
    assert incoming["message"]["text"] == "Do you have oat milk?"
    psid = incoming["sender"]["id"]

    # The Page answers through the Send API; the simulator shows it without a reload.
    reply = graph(
        client,
        "POST",
        f"/v25.0/{subscribed.page_id}/messages",
        subscribed.page_token,
        recipient={"id": psid},
        messaging_type="RESPONSE",
        message={
            "text": "We do! Which size?",
            "quick_replies": [
                {"content_type": "text", "title": "Small", "payload": "SIZE_S"},
                {"content_type": "text", "title": "Large", "payload": "SIZE_L"},
            ],
        },
    )
    assert reply.status_code == 200
    tab.locator(".msg.out .bubble", has_text="We do! Which size?").wait_for()
    chip = tab.get_by_role("button", name="Large")
    chip.wait_for()
    assert tab.locator("[data-testid=quick-reply]").count() == 2
    chip.click()  # the status line says "Sending…" until the control API answers
    tab.get_by_role("status").filter(has_text="webhook delivered").wait_for()
    tapped = receiver.events()[-1]["message"]
    assert tapped["quick_reply"] == {"payload": "SIZE_L"}
    assert tapped["text"] == "Large"
    tab.locator(".msg.in .bubble", has_text="Large").wait_for()
    assert tab.locator(".msg.in .mark").inner_text() == "Sent"  # the Page has not looked yet
    assert tab.locator("[data-testid=quick-reply]").count() == 0  # chips go once answered
    path = SCREENSHOTS / "sandbox-simulator.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_login_dialog_sign_in_untick_a_permission_and_continue(tab, live_server, client):
    user = client.post("/_sandbox/users", json={"name": "Dana Reyes", "email": "dana@example.com"})
    client.post(
        "/_sandbox/pages",
        json={"name": "Acme Coffee", "admin_ids": [user.get_json()["id"]]},
    )
    # Herald is not running: answer its callback in the browser itself.
    tab.route(f"{REDIRECT}**", lambda route: route.fulfill(status=200, body="Herald callback"))
    scope = "email,pages_show_list,pages_messaging,pages_manage_metadata"
    tab.goto(
        f"{live_server}/v25.0/dialog/oauth?client_id=100000000000001"
        f"&redirect_uri={REDIRECT}&state=xyz&scope={scope}"
    )
    tab.get_by_label("Email address").fill("dana@example.com")
    tab.get_by_role("button", name="Log in").click()
    tab.get_by_role("heading", name="is requesting access").wait_for()
    messaging = tab.get_by_label("Manage and access Page conversations in Messenger")
    assert messaging.is_checked()
    messaging.uncheck()
    tab.get_by_role("button", name="Continue").click()
    tab.wait_for_url(f"{REDIRECT}?**")
    query = parse_qs(urlsplit(tab.url).query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    token = client.get(
        "/v25.0/oauth/access_token",
        query_string={
            "client_id": "100000000000001",
            "client_secret": "dev-sandbox-app-secret",
            "redirect_uri": REDIRECT,
            "code": code,
        },
    ).get_json()["access_token"]
    permissions = graph(client, "GET", "/me/permissions", token).get_json()["data"]
    statuses = {p["permission"]: p["status"] for p in permissions}
    assert statuses["pages_messaging"] == "declined"
    assert statuses["pages_show_list"] == "granted"
