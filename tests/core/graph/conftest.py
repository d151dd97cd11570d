"""Fixtures for the Graph client tests: mocked HTTP, settings, a client with a fake sleep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from app.core.graph import GraphClient, GraphSettings
from tests.core.graph.helpers import APP_ID, APP_SECRET, PAGE_TOKEN, CeilingRandom


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Intercept every HTTP call; each registered reply must be used by the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def settings() -> GraphSettings:
    """Settings for graph.facebook.com with app credentials (so appsecret_proof is sent)."""
    return GraphSettings(
        base_url="https://graph.facebook.com", version="v25.0", app_id=APP_ID, app_secret=APP_SECRET
    )


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client asked to sleep, in order (nothing really sleeps)."""
    return []


@pytest.fixture
def client(settings: GraphSettings, sleeps: list[float]) -> GraphClient:
    """A client with a Page token, a recording sleep and backoff at its ceiling."""
    return GraphClient(PAGE_TOKEN, settings, sleep=sleeps.append, rng=CeilingRandom())
