"""A dead token (190) from Facebook: the Page pauses, the banner shows, reconnecting heals it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core import page_health
from app.core.models import Page, PageStatus
from app.extensions import db
from tests.conftest import browser_login, screenshot
from tests.factories import UserFactory
from tests.support.sandbox import connect_programmatically

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_190_leads_to_the_banner_and_reconnecting_makes_it_healthy(page, herald, sandbox):
    world = sandbox.world(pages=1, people=0)
    owner = UserFactory(email="dana@example.com")
    connect_programmatically(herald, sandbox, owner, world)
    facebook_page_id = world["pages"][0]["id"]

    # The password of the Facebook account changed: every token of the Page dies (190/460).
    sandbox.post("/faults", kind="token_invalid", page_id=facebook_page_id)
    with herald.app.app_context():
        stored = db.session.scalars(select(Page)).one()
        page_health.check_page(stored.id)
        db.session.refresh(stored)
        assert stored.status == PageStatus.NEEDS_RECONNECT

    browser_login(page, herald, owner.email)
    banner = page.get_by_test_id("reconnect-banner")
    assert "needs to be reconnected" in banner.inner_text()
    assert "password" in banner.inner_text()
    screenshot(page, "reconnect-banner")

    banner.get_by_role("link", name="Reconnect").click()
    page.get_by_label("Email address").fill("dana@example.com")  # Facebook asks to sign in again
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{herald}/account/permissions*")
    assert "Refreshed access to: Acme Coffee" in page.content()
    assert page.get_by_test_id("reconnect-banner").count() == 0
    with herald.app.app_context():
        assert db.session.scalars(select(Page)).one().status == PageStatus.CONNECTED
