"""A marketer in a real browser: compose with buttons and quick replies, preview, test, schedule
a minute ahead, watch it send, open the results; a person taps a button and the click counts."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.subscribers.models import Subscriber
from app.extensions import db
from tests.broadcasts.test_end_to_end import Processes
from tests.conftest import browser_login, screenshot
from tests.factories import UserFactory
from tests.support.sandbox import connect_programmatically
from tests.support.servers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def tab(browser):
    """A desktop-sized tab that accepts confirmation dialogs."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


@pytest.fixture
def running(child_env, sandbox):
    group = Processes({**child_env, "GRAPH_API_URL": sandbox.url, "FACEBOOK_WWW_URL": sandbox.url})
    group.start("scheduler")
    group.start()
    yield group
    group.stop_all()


def outbound(sandbox, page_id: str, psid: str) -> list[dict]:
    return [m for m in sandbox.thread(page_id, psid) if m["direction"] == "out" and m["message"]]


def fill_message(tab) -> None:
    tab.get_by_test_id("name").fill("Spring beans")
    tab.get_by_test_id("text").fill("Hi {{first_name|there}}, the spring beans are in!")
    tab.get_by_test_id("add-button").click()
    tab.get_by_test_id("button-title").nth(0).fill("See the beans")
    tab.get_by_test_id("button-url").nth(0).fill("https://acme.example/spring")
    tab.get_by_test_id("add-button").click()
    tab.get_by_test_id("button-type").nth(1).select_option("postback")
    tab.get_by_test_id("button-title").nth(1).fill("Tell me more")
    for label in ("Yes please", "Not now"):
        tab.get_by_test_id("add-quick-reply").click()
        tab.get_by_test_id("quick-reply-title").last.fill(label)


def test_compose_schedule_watch_and_count_a_tap(tab, herald, sandbox, running):
    world = sandbox.world(pages=1, people=2)
    owner = UserFactory(email="dana@example.com")
    connect_programmatically(herald, sandbox, owner, world)
    page_id = world["pages"][0]["id"]
    maya, luis = (person["id"] for person in world["people"])
    maya_psid = sandbox.say(maya, page_id, "Hi! Any news?")["psid"]
    luis_psid = sandbox.say(luis, page_id, "Hello")["psid"]
    assert wait_until(lambda: db.session.scalar(select(func.count(Subscriber.id))) == 2)
    # Their names, as the background profile fetch brings them (not what is under test here).
    for psid, first in ((maya_psid, "Maya"), (luis_psid, "Luis")):
        person = db.session.scalars(select(Subscriber).where(Subscriber.psid == psid)).one()
        person.name, person.first_name, person.last_name = f"{first} Tester", first, "Tester"
    db.session.commit()
    page = tab
    browser_login(page, herald, owner.email)
    page.goto(f"{herald}/broadcasts/")
    page.get_by_test_id("new-broadcast").click()
    fill_message(page)

    # Maya is the marketer's own Messenger account here: the preview and the test are for her.
    page.get_by_test_id("test-subscriber").select_option(label="Maya Tester")
    preview = page.get_by_test_id("preview")
    preview.get_by_text("Hi Maya, the spring beans are in!").wait_for()
    assert preview.get_by_test_id("preview-button").all_inner_texts() == [
        "See the beans",
        "Tell me more",
    ]
    assert preview.get_by_test_id("preview-quick-reply").all_inner_texts() == [
        "Yes please",
        "Not now",
    ]
    page.get_by_test_id("receiving").get_by_text("2").wait_for()
    screenshot(page, "broadcasts-composer")

    page.get_by_test_id("send-test").click()
    page.get_by_text("Test sent to Maya Tester").wait_for()
    assert wait_until(lambda: len(outbound(sandbox, page_id, maya_psid)) == 1, seconds=20)
    assert (
        "Hi Maya"
        in outbound(sandbox, page_id, maya_psid)[0]["message"]["attachment"]["payload"]["text"]
    )

    # Scheduled a minute ahead, in Lisbon time.
    page.get_by_test_id("delivery-later").check()
    at = (utcnow() + timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Lisbon"))
    page.get_by_test_id("send-at").fill(at.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_test_id("timezone").fill("Europe/Lisbon")
    page.get_by_test_id("send").click()
    page.get_by_text(f"{at:%H:%M} (Europe/Lisbon)").first.wait_for()
    screenshot(page, "broadcasts-scheduled")

    # It starts on time by itself; the progress bar fills live, without reloading.
    page.get_by_test_id("status").get_by_text("Completed").wait_for(timeout=120_000)
    page.locator('[data-testid="progress-bar"][data-progress="100"]').wait_for()
    page.get_by_test_id("delivered").get_by_text("2").wait_for(timeout=30_000)
    assert len(outbound(sandbox, page_id, maya_psid)) == 2  # the test, then the broadcast

    # Maya taps "Tell me more" in Messenger: the click shows up on the results page.
    person = page.context.new_page()
    person.goto(f"{sandbox.url}/_sandbox/simulator?person_id={maya}&page_id={page_id}")
    person.get_by_role("button", name="Tell me more").last.click()
    page.get_by_test_id("clicked").get_by_text("1").wait_for(timeout=30_000)
    screenshot(page, "broadcasts-results")
    page.get_by_test_id("recipient").first.wait_for()

    # At a phone's width the results still fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.get_by_test_id("progress-bar").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "broadcasts-results-phone")
    page.goto(f"{herald}/broadcasts/new")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "broadcasts-composer-phone")
    assert sandbox.violations() == []
