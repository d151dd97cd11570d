"""The front door in a real browser against the Meta sandbox: sign up, verify, connect Facebook
(declining a permission), see the Permissions page tell the truth, grant the rest, connect Pages."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def status_of(tab, permission: str) -> str:
    return tab.locator(f'[data-permission="{permission}"] [data-testid="status"]').inner_text()


def test_onboarding_from_signup_to_connected_pages(page, herald, sandbox, run_worker):
    world = sandbox.world(pages=2, people=2)
    tab = page

    tab.goto(f"{herald}/signup")
    tab.get_by_label("Your name").fill("Dana Reyes")
    tab.get_by_label("Business name").fill("Acme")
    tab.get_by_label("Work email").fill("dana@example.com")
    tab.get_by_label("Password").fill("a long enough password")
    tab.get_by_role("button", name="Create account").click()
    tab.get_by_test_id("verify-banner").wait_for()

    tab.goto(f"{herald}/dev/outbox")
    tab.get_by_test_id("email-body").first.locator('a[href*="/verify/"]').click()
    tab.get_by_text("is confirmed").wait_for()
    assert tab.get_by_test_id("verify-banner").count() == 0

    # Connect Facebook, declining "Messenger conversations".
    tab.goto(f"{herald}/account/permissions")
    tab.get_by_role("link", name="Connect Facebook").click()
    tab.get_by_label("Email address").fill("dana@example.com")
    tab.get_by_role("button", name="Log in").click()
    tab.locator('input[name="scopes"][value="pages_messaging"]').uncheck()
    tab.get_by_role("button", name="Continue").click()
    tab.wait_for_url(f"{herald}/pages/connect*")  # Facebook appends #_=_
    assert "Some permissions were not granted (Messenger conversations)" in tab.content()

    tab.goto(f"{herald}/account/permissions")
    assert status_of(tab, "pages_messaging") == "Declined"
    assert status_of(tab, "pages_show_list") == "Granted"
    assert status_of(tab, "email") == "Granted"
    screenshot(tab, "permissions-declined")

    # The re-request asks for just the missing permission.
    tab.get_by_test_id("rerequest").click()
    scopes = tab.locator('input[name="scopes"]')
    assert [scopes.nth(i).get_attribute("value") for i in range(scopes.count())] == [
        "pages_messaging"
    ]
    tab.get_by_role("button", name="Continue").click()
    tab.wait_for_url(f"{herald}/pages/connect*")  # Facebook appends #_=_
    tab.goto(f"{herald}/account/permissions")
    assert status_of(tab, "pages_messaging") == "Granted"
    assert "Everything Herald asks for is granted" in tab.content()

    # Connect both Pages.
    tab.goto(f"{herald}/pages/connect")
    tab.get_by_role("button", name="Connect selected Pages").click()
    tab.get_by_text("Connected: Acme Coffee, Acme Bikes.").wait_for()
    links = tab.get_by_test_id("mme-link")
    assert sorted(links.nth(i).input_value() for i in range(2)) == [
        "https://m.me/acmebikes",
        "https://m.me/acmecoffee",
    ]

    # People write; the webhooks reach Herald and real workers process them.
    coffee, bikes = (p["id"] for p in world["pages"])
    maya, luis = (p["id"] for p in world["people"])
    for person, page_id, text in (
        (maya, coffee, "Hello"),
        (luis, coffee, "Hi"),
        (maya, bikes, "Hey"),
    ):
        assert sandbox.say(person, page_id, text)["webhook_status"] == "delivered"
    result = run_worker(env={"GRAPH_API_URL": sandbox.url, "FACEBOOK_WWW_URL": sandbox.url})
    assert result.returncode == 0, result.stderr
    tab.goto(f"{herald}/pages/")
    counts = {
        tab.get_by_test_id(f"page-{page_id}").get_by_test_id("subscriber-count").inner_text()
        for page_id in (coffee, bikes)
    }
    assert counts == {"2", "1"}
    screenshot(tab, "pages-connected")
