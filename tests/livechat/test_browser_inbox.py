"""Two operators in real browsers, a person in the sandbox, live updates, Meta's windows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.core.models import Role
from tests.conftest import browser_login, screenshot
from tests.factories import UserFactory
from tests.support.sandbox import connect_programmatically
from tests.support.servers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def outbound(sandbox, page_id: str, psid: str) -> list[dict]:
    """Messages the Page sent (not sender actions such as mark_seen)."""
    return [
        m
        for m in sandbox.thread(page_id, psid)
        if m["direction"] == "out" and not m["sender_action"]
    ]


def row(tab, name: str):
    return tab.locator("#conversation-list").get_by_text(name, exact=True)


def test_two_operators_answer_live_inside_the_windows(browser, herald, sandbox, live_worker):
    world = sandbox.world(pages=1, people=3)
    ana = UserFactory(email="dana@example.com", name="Ana Admin", role=Role.OWNER)
    bo = UserFactory(workspace=ana.workspace, name="Bo Operator", role=Role.ADMIN)
    connect_programmatically(herald, sandbox, ana, world)
    page_id = world["pages"][0]["id"]
    maya, luis, priya = (p["id"] for p in world["people"])
    tabs = []
    for user in (ana, bo):
        context = browser.new_context(viewport={"width": 1366, "height": 860})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        browser_login(tab, herald, user.email)
        tab.goto(f"{herald}/inbox/?folder=unassigned")
        tabs.append(tab)
    ana_tab, bo_tab = tabs

    # A person writes: the conversation appears live in Unassigned for both operators.
    maya_psid = sandbox.say(maya, page_id, "Hello, is anyone there?")["psid"]
    row(ana_tab, "Maya Tester").wait_for()
    row(bo_tab, "Maya Tester").wait_for()

    # Ana takes it; Bo sees it leave Unassigned.
    row(ana_tab, "Maya Tester").click()
    ana_tab.get_by_test_id("assignee").select_option(label="Me")
    row(bo_tab, "Maya Tester").wait_for(state="detached")
    bo_tab.get_by_test_id("folder-open").click()
    row(bo_tab, "Maya Tester").wait_for()

    # Opening the conversation shows "seen" to the person, typing shows "typing…".
    def actions() -> set[str]:
        return {
            m["sender_action"] for m in sandbox.thread(page_id, maya_psid) if m["sender_action"]
        }

    ana_tab.get_by_test_id("reply-text").press_sequentially("Hi Maya!")
    assert wait_until(lambda: {"mark_seen", "typing_on"} <= actions(), seconds=20)

    # She replies: the person's thread shows it, sent as RESPONSE.
    ana_tab.get_by_test_id("reply-text").fill("Hi Maya! How can we help?")
    ana_tab.get_by_test_id("reply-text").press("Enter")
    assert wait_until(lambda: len(outbound(sandbox, page_id, maya_psid)) == 1, seconds=20)
    sent = outbound(sandbox, page_id, maya_psid)[0]
    assert (sent["text"], sent["messaging_type"]) == ("Hi Maya! How can we help?", "RESPONSE")
    delivered = '[data-testid="message"][data-status="sent"], [data-status="delivered"]'
    ana_tab.locator(delivered).first.wait_for()

    # A private note stays in Herald.
    ana_tab.get_by_test_id("note-tab").click()
    ana_tab.get_by_test_id("note-text").fill("Regular customer, offer the loyalty card")
    ana_tab.get_by_test_id("add-note").click()
    ana_tab.get_by_test_id("note").wait_for()
    screenshot(ana_tab, "livechat-conversation")

    # Written 30 hours ago: exactly one HUMAN_AGENT reply, then the box locks.
    luis_psid = sandbox.say(
        luis, page_id, "Do you repair bikes?", at=(utcnow() - timedelta(hours=30)).isoformat()
    )["psid"]
    ana_tab.get_by_test_id("folder-open").click()
    row(ana_tab, "Luis Tester").click()
    assert "Human Agent" in ana_tab.get_by_test_id("policy-state").inner_text()
    ana_tab.get_by_test_id("reply-text").fill("Sorry for the wait: yes, we do!")
    ana_tab.get_by_test_id("send").click()
    assert wait_until(lambda: len(outbound(sandbox, page_id, luis_psid)) == 1, seconds=20)
    assert outbound(sandbox, page_id, luis_psid)[0]["tag"] == "HUMAN_AGENT"
    ana_tab.reload()
    assert "Human Agent reply was used" in ana_tab.get_by_test_id("policy-state").inner_text()
    assert ana_tab.get_by_test_id("reply-text").count() == 0

    # Written 8 days ago: no reply is possible.
    sandbox.say(
        priya, page_id, "Hello from last week", at=(utcnow() - timedelta(days=8)).isoformat()
    )
    ana_tab.goto(f"{herald}/inbox/?folder=open")
    row(ana_tab, "Priya Tester").click()  # named as soon as her profile arrives
    assert "7 days" in ana_tab.get_by_test_id("policy-state").inner_text()
    assert ana_tab.get_by_test_id("reply-text").count() == 0
    screenshot(ana_tab, "livechat-closed-window")

    assert "loyalty card" not in str(sandbox.thread(page_id, maya_psid))
    assert sandbox.violations() == []
    for tab in tabs:
        tab.context.close()
