"""The audience area in a real browser: filter the list, open a subscriber; desktop and phone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.core.messages.models import Direction, MessageStatus
from app.core.subscribers.models import Source
from tests.audience.conftest import message
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def audience(make, owner):
    """A small audience: two VIPs (one with a conversation) and people without the tag."""
    ana = make(
        "Ana Silva",
        tags=("vip", "coffee lover"),
        fields={"city": "Lisbon"},
        source=Source.LINK,
        ref="summer-poster",
        locale="pt_PT",
        hours_ago=2,
        last_outbound_at=utcnow() - timedelta(hours=2, minutes=8),
    )
    make("Bruno Costa", tags=("vip",), hours_ago=30)
    make("Carla Dias", tags=("new",), hours_ago=5)
    make("Duarte Neves", hours_ago=24 * 9, subscribed=False)
    start = utcnow() - timedelta(hours=2, minutes=10)
    message(ana, Direction.IN, kind="referral", payload={"ref": "summer-poster"}, sent_at=start)
    message(
        ana, Direction.IN, text="Hi! Do you have oat milk?", sent_at=start + timedelta(minutes=1)
    )
    offer = "We do — and 10% off this week!"
    code = {"content_type": "text", "title": "Send me the code", "payload": "CODE"}
    message(
        ana,
        Direction.OUT,
        text=offer,
        payload={"message": {"text": offer, "quick_replies": [code]}},
        author_id=owner.id,
        status=MessageStatus.READ,
        sent_at=start + timedelta(minutes=2),
    )
    message(
        ana,
        Direction.IN,
        kind="quick_reply",
        text="Send me the code",
        payload={"quick_reply": "CODE"},
        sent_at=start + timedelta(minutes=8),
    )
    return ana


def test_filter_the_list_and_open_a_subscriber(page, browser, live_server, owner, audience):
    browser_login(page, live_server, owner.email)
    page.get_by_role("link", name="Subscribers").click()
    assert page.locator('[data-testid="subscriber-row"]').count() == 4

    page.get_by_role("button", name="More filters").click()
    page.get_by_label("Has any of").click()
    page.get_by_role("checkbox", name="vip").check()
    assert page.get_by_label("Has any of").inner_text() == "vip"
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "tags_any=vip" in url)
    rows = page.locator('[data-testid="subscriber-row"]')
    assert rows.count() == 2
    assert page.locator('[data-testid="total"]').inner_text() == "2"
    assert page.get_by_text("Any tag: vip").is_visible()
    screenshot(page, "audience-list-desktop")

    page.get_by_role("link", name="Ana Silva").click()
    page.wait_for_url(f"{live_server}/subscribers/{audience.id}")
    headline = page.locator('[data-testid="window-headline"]').inner_text()
    assert headline.startswith("Open until")
    assert headline.endswith("any message allowed")
    assert page.locator('[data-testid="message"]').count() == 4
    assert page.get_by_text("Hi! Do you have oat milk?").is_visible()
    assert screenshot(page, "audience-subscriber-desktop").stat().st_size > 10_000

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = phone.new_page()
    try:
        browser_login(tab, live_server, owner.email)
        tab.goto(f"{live_server}/subscribers/?f=1&tags_any=vip")
        assert tab.locator('[data-testid="subscriber-row"]').count() == 2
        assert not tab.get_by_label("Search").is_visible()  # the filter folds away on a phone
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(tab, "audience-list-phone")
        tab.get_by_role("button", name="Filters").click()
        tab.locator("#filter-body.show").wait_for()
        assert tab.get_by_label("Search").is_visible()
        tab.get_by_role("link", name="Ana Silva").click()
        tab.wait_for_url(f"{live_server}/subscribers/{audience.id}")
        assert tab.locator('[data-testid="window-headline"]').is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(tab, "audience-subscriber-phone")
    finally:
        phone.close()
