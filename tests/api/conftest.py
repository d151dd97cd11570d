"""Fixtures of the REST API tests: a workspace with a key, and a client that sends it.

Every response the `api` client receives is kept; when the test ends, none may contain a Page
access token or a user's Facebook token, so every API test is also a leak test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.core.api import keys
from app.core.models import Page, User, Workspace
from tests.factories import PageFactory, UserFactory, WorkspaceFactory

PAGE_TOKEN = "EAAG-SECRET-PAGE-TOKEN-4c1d"
USER_TOKEN = "SECRET-USER-TOKEN-93fa"
# The factories' own token spellings too, for rows made without the constants above.
SECRETS = (PAGE_TOKEN, USER_TOKEN, "EAAG-page-token-", "USER-TOKEN-")


def iso(value: datetime | None) -> str | None:
    """A datetime as the API writes it."""
    return value.isoformat() if value is not None else None


class ApiClient:
    """Calls the API with `Authorization: Bearer <key>` and keeps every body it receives."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client = client
        self.key = key
        self.bodies: list[str] = []

    def call(self, method: str, path: str, *, key: str | None = None, **kwargs: Any):
        """One request; `key` overrides the fixture's key ("" sends no Authorization)."""
        key = self.key if key is None else key
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.bodies.append(response.get_data(as_text=True))
        return response

    def get(self, path: str, **kwargs: Any):
        """GET `path`."""
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        """POST `path`."""
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        """PATCH `path`."""
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        """DELETE `path`."""
        return self.call("DELETE", path, **kwargs)

    def all_items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list, following next_cursor page by page."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            response = self.get(path, query_string=query)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            items.extend(body["data"])
            cursor = body["next_cursor"]
            if cursor is None:
                return items


@pytest.fixture
def workspace(app) -> Workspace:
    """The workspace the API key belongs to."""
    return WorkspaceFactory(name="Acme")


@pytest.fixture
def admin(workspace) -> User:
    """Its owner, with a connected Facebook account (a token that must never leak)."""
    return UserFactory(workspace=workspace, facebook=True, facebook_token=USER_TOKEN)


@pytest.fixture
def fb_page(workspace) -> Page:
    """A connected Page of the workspace (named fb_page: `page` is the browser tab)."""
    return PageFactory(
        workspace=workspace,
        facebook_page_id="1001",
        name="Acme Coffee",
        username="acmecoffee",
        category="Coffee shop",
        access_token=PAGE_TOKEN,
    )


@pytest.fixture
def api(client, admin) -> Iterator[ApiClient]:
    """A client with a fresh key of the workspace; checks no response leaked a token."""
    _key, full_key = keys.create(admin, "Tests")
    api_client = ApiClient(client, full_key)
    yield api_client
    for body in api_client.bodies:
        for secret in SECRETS:
            assert secret not in body


@pytest.fixture
def other_page(app) -> Page:
    """A Page of another workspace, whose rows the key must never see."""
    owner = UserFactory(facebook=True, facebook_token=USER_TOKEN)
    return PageFactory(workspace=owner.workspace, name="Rival Bikes", access_token=PAGE_TOKEN)
