"""Fixtures every Herald test uses: the app on SQLite or PostgreSQL, real Redis, real processes.

The database is chosen by HERALD_TEST_DATABASE (sqlite, the default, or postgres with
TEST_POSTGRES_URL). Redis is REDIS_URL when given (its database is flushed between tests), otherwise
a private redis-server started for the run. The schema is built by running the migrations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db, redis_client
from scripts.databases import fresh_postgres_database
from tests.support.servers import LiveServer, child_environment, private_redis

pytest_plugins = ("tests.support.graph", "tests.support.sandbox")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    """Every app built in this process is a testing app."""
    os.environ["HERALD_ENV"] = "testing"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when given, else a private redis-server for this run."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database of the kind HERALD_TEST_DATABASE names."""
    kind = os.environ.get("HERALD_TEST_DATABASE", "sqlite")
    if kind == "postgres":
        server = os.environ.get("TEST_POSTGRES_URL")
        if not server:
            pytest.exit("HERALD_TEST_DATABASE=postgres needs TEST_POSTGRES_URL", returncode=2)
        with fresh_postgres_database(server) as url:
            yield url
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'herald.db'}"


@pytest.fixture(scope="session")
def base_settings(database_url: str, redis_url: str, tmp_path_factory) -> dict[str, Any]:
    """Settings of the test app, also handed to child processes as environment variables."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "GRAPH_API_URL": "https://graph.facebook.test",
        "FACEBOOK_WWW_URL": "https://www.facebook.test",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
    }


class RequestInOwnContext(FlaskClient):
    """A test client whose every request runs in a fresh app context, as in production.

    Tests hold an app context for factories and queries; without this, requests would share its
    `g` (Flask-Login caches the user there) and its database session.
    """

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _session_app(base_settings: dict[str, Any]) -> Flask:
    app = create_app(base_settings)
    app.test_client_class = RequestInOwnContext
    with app.app_context():
        upgrade()
    return app


def _wipe(app: Flask) -> None:
    """Empty every table and the Redis database, so each test starts from nothing."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - table names from metadata
    redis_client.client.flushdb()


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The test app, inside an app context; the database and Redis are emptied afterwards."""
    with _session_app.app_context():
        yield _session_app
        _wipe(_session_app)


@pytest.fixture
def make_app(base_settings: dict[str, Any], app: Flask) -> Callable[..., Flask]:
    """Build another app on the same database and Redis with some settings changed."""

    def factory(**overrides: Any) -> Flask:
        other = create_app({**base_settings, **overrides})
        other.test_client_class = RequestInOwnContext
        return other

    return factory


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def child_env(base_settings: dict[str, Any]) -> dict[str, str]:
    """Environment for real Herald processes (worker, scheduler) started by a test."""
    return child_environment(
        DATABASE_URL=base_settings["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=base_settings["REDIS_URL"],
        SECRET_KEY=base_settings["SECRET_KEY"],
        GRAPH_API_URL=base_settings["GRAPH_API_URL"],
        FACEBOOK_WWW_URL=base_settings["FACEBOOK_WWW_URL"],
        HERALD_INSTANCE_PATH=base_settings["INSTANCE_PATH"],
    )


@pytest.fixture
def run_worker(child_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a real `python worker.py --burst` process until the queues are empty."""

    def run(
        *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "worker.py", "--burst", *args]
        environment = {**child_env, **(env or {})}
        return subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
        )

    return run


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over real HTTP from a thread; yields its base URL."""
    server = LiveServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (which cannot download browsers here).

    One per test module: Playwright's sync API allows one running instance per process, and the
    sandbox's own browser tests start theirs after these.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies) at a desktop size."""
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def screenshot(tab: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots and return its path."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def owner(app: Flask):
    """A verified workspace owner."""
    from tests.factories import UserFactory

    return UserFactory()


def sign_in(test_client, user) -> None:
    """Make `test_client` act as `user` (Flask-Login's session key)."""
    with test_client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def owner_client(client, owner):
    """A test client signed in as `owner`."""
    sign_in(client, owner)
    return client


def browser_login(tab: Any, base_url: str, email: str, password: str | None = None) -> None:
    """Log in through the real login form."""
    from tests.factories import PASSWORD

    tab.goto(f"{base_url}/login")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password", exact=True).fill(password or PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(lambda url: "/login" not in url)
