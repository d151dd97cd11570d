"""In a real browser: change your password; your other browser is signed out, this one is not."""

from __future__ import annotations

from tests.conftest import browser_login, screenshot
from tests.factories import PASSWORD

NEW = "another long enough password"


def test_changing_the_password_signs_out_the_other_browser(browser, page, live_server, owner):
    other = browser.new_context(viewport={"width": 1366, "height": 860}).new_page()
    browser_login(other, live_server, owner.email)
    browser_login(page, live_server, owner.email)

    page.get_by_test_id("current-user").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW)
    page.get_by_label("Repeat it").fill(NEW)
    page.get_by_role("button", name="Change password").click()

    page.get_by_text("Your password is changed").wait_for()
    screenshot(page, "account-password-changed")
    page.goto(f"{live_server}/")
    assert "/login" not in page.url  # still signed in here
    other.goto(f"{live_server}/")
    assert "/login" in other.url  # the other browser must sign in again
    browser_login(other, live_server, owner.email, NEW)
    other.context.close()
