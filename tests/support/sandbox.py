"""The Meta sandbox, live, for end-to-end tests: a real server on a real port, driven by its
control API (`/_sandbox/...`), with Herald pointed at it exactly as `./herald up` does."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests.support.servers import LiveServer

ROOT = Path(__file__).resolve().parent.parent.parent
ALL_SCOPES = [
    "public_profile",
    "email",
    "pages_show_list",
    "pages_manage_metadata",
    "pages_messaging",
]


class Sandbox:
    """A client of the sandbox's control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        """POST JSON to a control route and return its JSON."""
        response = self.http.post(f"{self.url}/_sandbox{path}", json=body, timeout=30)
        assert response.status_code < 300, f"{path}: {response.status_code} {response.text}"
        return response.json() if response.content else {}

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a control route's JSON."""
        response = self.http.get(f"{self.url}/_sandbox{path}", params=params, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()

    def reset(self) -> None:
        """Forget everything (the default app stays)."""
        self.post("/reset")

    def world(self, *, pages: int = 2, people: int = 3) -> dict[str, Any]:
        """A Facebook user managing `pages` Pages, and `people` customers."""
        user = self.post("/users", name="Dana Reyes", email="dana@example.com")
        names = ["Acme Coffee", "Acme Bikes", "Acme Books"][:pages]
        created_pages = [
            self.post(
                "/pages", name=name, username=name.lower().replace(" ", ""), admin_ids=[user["id"]]
            )
            for name in names
        ]
        first_names = ["Maya", "Luis", "Priya", "Tom"][:people]
        created_people = [
            self.post("/people", first_name=name, last_name="Tester", locale="en_US")
            for name in first_names
        ]
        return {"user": user, "pages": created_pages, "people": created_people}

    def say(
        self, person_id: str, page_id: str, text: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A person writes to a Page (webhooks go to Herald)."""
        body = {"page_id": page_id, **extra}
        if text is not None:
            body["text"] = text
        return self.post(f"/people/{person_id}/messages", **body)

    def thread(self, page_id: str, psid: str) -> list[dict[str, Any]]:
        """Every message of a thread, as the sandbox recorded it."""
        return self.get(f"/pages/{page_id}/threads/{psid}")["messages"]

    def violations(self) -> list[dict[str, Any]]:
        """Calls the sandbox refused under a messaging rule."""
        return self.get("/violations")["violations"]

    def dispatch(self) -> None:
        """Deliver pending webhooks now."""
        self.post("/webhooks/dispatch")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox for the test run, with its webhook dispatcher running."""
    from sandbox.app import create_sandbox_app, shutdown

    app = create_sandbox_app(str(tmp_path_factory.mktemp("sandbox") / "sandbox.db"))
    server = LiveServer(app).start()
    try:
        yield Sandbox(server.url)
    finally:
        server.stop()
        shutdown(app)


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    """The sandbox, reset for this test."""
    sandbox_server.reset()
    return sandbox_server


class Herald(str):
    """Herald's base URL (a str, for f-strings) that also carries its app."""

    app: Flask


@pytest.fixture
def herald(make_app, sandbox: Sandbox) -> Iterator[Herald]:
    """Herald served over HTTP, pointed at the sandbox (CSRF on, as in production)."""
    application = make_app(
        GRAPH_API_URL=sandbox.url, FACEBOOK_WWW_URL=sandbox.url, WTF_CSRF_ENABLED=True
    )
    server = LiveServer(application).start()
    application.config["PUBLIC_URL"] = server.url
    url = Herald(server.url)
    url.app = application
    try:
        yield url
    finally:
        server.stop()


def connect_programmatically(herald: Herald, sandbox: Sandbox, user, world: dict[str, Any]) -> None:
    """Give `user` a Facebook connection and connect the world's Pages, without a browser."""
    from app.extensions import db
    from scripts.demo import attach_token, connect_pages

    token = sandbox.post("/tokens", user_id=world["user"]["id"], scopes=ALL_SCOPES)["access_token"]
    with herald.app.app_context():
        member = db.session.merge(user)
        attach_token(member, token)
        problems = connect_pages(member, [page["id"] for page in world["pages"]])
        assert not [p for p in problems if "refused" in p or "already" in p], problems


@pytest.fixture
def live_worker(child_env: dict[str, str], sandbox: Sandbox) -> Iterator[subprocess.Popen[str]]:
    """A real worker process running for the whole test, pointed at the sandbox."""
    env = {**child_env, "GRAPH_API_URL": sandbox.url, "FACEBOOK_WWW_URL": sandbox.url}
    process = subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
