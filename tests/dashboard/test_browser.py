"""The dashboard shell in a real browser, on a desktop and on a phone-sized screen."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_status_page_renders_with_navigation_on_desktop(page, live_server, owner):
    browser_login(page, live_server, owner.email)
    page.goto(f"{live_server}/status")
    assert page.title() == "System status · Herald"
    assert page.get_by_role("link", name="System status").first.is_visible()
    assert page.locator('[data-testid="check-database"]').inner_text().count("OK") == 1
    # Vendored CSS is applied: Tabler's sidebar has a fixed width on desktop.
    sidebar = page.locator("aside.navbar-vertical").bounding_box()
    assert sidebar is not None
    assert 200 <= sidebar["width"] <= 320
    assert screenshot(page, "shell-desktop").stat().st_size > 10_000


def test_navigation_collapses_behind_a_button_on_a_phone(browser, live_server, owner):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    try:
        browser_login(tab, live_server, owner.email)
        tab.goto(f"{live_server}/status")
        menu_link = tab.locator("#sidebar-menu").get_by_role("link", name="System status")
        assert not menu_link.is_visible()
        tab.get_by_role("button", name="Open navigation").click()
        menu_link.wait_for(state="visible")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(tab, "shell-phone")
    finally:
        context.close()
