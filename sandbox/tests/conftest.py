"""Fixtures: an isolated sandbox per test with a fake clock, and a real webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from sandbox.__main__ import QuietRequestHandler
from sandbox.app import create_sandbox_app, sandbox_of, shutdown
from sandbox.runtime import Sandbox
from sandbox.services.seeding import DEFAULT_APP_ID, DEFAULT_APP_SECRET
from sandbox.tests.receiver import Receiver

APP_TOKEN = f"{DEFAULT_APP_ID}|{DEFAULT_APP_SECRET}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ALL_SCOPES = [
    "email",
    "public_profile",
    "pages_show_list",
    "pages_manage_metadata",
    "pages_messaging",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_manage_engagement",
    "pages_read_user_content",
]
MESSAGING_FIELDS = [
    "messages",
    "messaging_postbacks",
    "messaging_optins",
    "messaging_referrals",
    "message_echoes",
    "message_deliveries",
    "message_reads",
    "feed",
]


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self.time = start

    def now(self) -> float:
        """Return the current fake time."""
        return self.time

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.time += seconds


@pytest.fixture
def clock() -> FakeClock:
    """The sandbox's clock."""
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    """Every sleep the sandbox asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def db_path(tmp_path: Any) -> str:
    """A fresh SQLite file."""
    return str(tmp_path / "sandbox.db")


@pytest.fixture
def app(db_path: str, clock: FakeClock, sleeps: list[float]) -> Iterator[Flask]:
    """A sandbox app without the background dispatcher (tests drive it)."""
    application = create_sandbox_app(
        db_path, start_dispatcher=False, clock=clock, sleep=sleeps.append
    )
    yield application
    shutdown(application)


@pytest.fixture
def sb(app: Flask) -> Sandbox:
    """The app's sandbox runtime."""
    return sandbox_of(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test sandbox served over real HTTP from a thread (for the browser); yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (which cannot download browsers here).

    One per module: Playwright's sync API allows one running instance per process.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies and storage) at a desktop size."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP webhook receiver."""
    server = Receiver().start()
    yield server
    server.stop()


def control(client: FlaskClient, path: str, payload: dict[str, Any] | None = None) -> Any:
    """POST to the control API and return the JSON (asserting success)."""
    response = client.post(f"/_sandbox/{path}", json=payload or {})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def graph(
    client: FlaskClient, method: str, path: str, token: str | None = None, **params: Any
) -> Any:
    """Make a Graph call with the token as query parameter; return the response."""
    if token is not None:
        params["access_token"] = token
    if method == "GET":
        return client.get(path, query_string=params)
    if method == "DELETE":
        return client.delete(path, query_string=params)
    return client.post(path, json=params)


@dataclass
class World:
    """A user who manages a Page, a customer, and tokens with every usual permission."""

    user_id: str
    page_id: str
    person_id: str
    user_token: str
    page_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def make_world(client: FlaskClient, scopes: list[str] | None = None, **page: Any) -> World:
    """Create the usual world through the control API."""
    user = control(client, "users", {"name": "Dana Reyes", "email": "dana@example.com"})
    page_id = control(
        client,
        "pages",
        {"name": "Acme Coffee", "username": "acmecoffee", "admin_ids": [user["id"]], **page},
    )["id"]
    person = control(
        client,
        "people",
        {"first_name": "Maya", "last_name": "Thompson", "phone_number": "+14155550123"},
    )
    tokens = control(client, "tokens", {"user_id": user["id"], "scopes": scopes or ALL_SCOPES})
    return World(
        user["id"], page_id, person["id"], tokens["access_token"], tokens["page_tokens"][page_id]
    )


@pytest.fixture
def world(client: FlaskClient) -> World:
    """The usual world, without webhook subscriptions."""
    return make_world(client)


def subscribe(
    client: FlaskClient, world: World, receiver: Receiver, fields: list[str] | None = None
) -> None:
    """Subscribe the default app (handshake with the receiver) and the Page to ``fields``."""
    fields = fields or MESSAGING_FIELDS
    response = graph(
        client,
        "POST",
        f"/v25.0/{DEFAULT_APP_ID}/subscriptions",
        APP_TOKEN,
        object="page",
        callback_url=receiver.url,
        verify_token=receiver.verify_token,
        fields=",".join(fields),
    )
    assert response.status_code == 200, response.get_json()
    response = graph(
        client,
        "POST",
        f"/v25.0/{world.page_id}/subscribed_apps",
        world.page_token,
        subscribed_fields=",".join(fields),
    )
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def subscribed(client: FlaskClient, world: World, receiver: Receiver) -> World:
    """The usual world with the default app and the Page subscribed to the receiver."""
    subscribe(client, world, receiver)
    return world


def say(client: FlaskClient, world: World, text: str = "hello", **extra: Any) -> dict[str, Any]:
    """The world's person messages the Page; return the control API's answer."""
    return control(
        client,
        f"people/{world.person_id}/messages",
        {"page_id": world.page_id, "text": text, **extra},
    )


def send(client: FlaskClient, world: World, psid: str, text: str = "hi", **params: Any) -> Any:
    """Send a text message from the Page to ``psid``; return the response."""
    params.setdefault("messaging_type", "RESPONSE")
    params.setdefault("message", {"text": text})
    return graph(
        client,
        "POST",
        f"/v25.0/{world.page_id}/messages",
        world.page_token,
        recipient={"id": psid},
        **params,
    )
