"""Exact Graph API replies for tests that mock Facebook with `responses`."""

from __future__ import annotations

import pytest
import responses

GRAPH = "https://graph.facebook.test/v25.0"


@pytest.fixture
def graph():
    """A `responses` mock that fails the test on any unexpected or unused Graph call."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def login_exchange(
    mock: responses.RequestsMock,
    *,
    user_id: str = "5550001",
    name: str = "Dana Reyes",
    email: str | None = "dana@example.com",
    statuses: dict[str, str] | None = None,
) -> None:
    """The calls behind a successful Login callback: code, long-lived token, /me, permissions."""
    mock.get(
        f"{GRAPH}/oauth/access_token",
        json={"access_token": "SHORT-TOKEN", "token_type": "bearer", "expires_in": 3600},
        match=[responses.matchers.query_param_matcher({"code": "THE-CODE"}, strict_match=False)],
    )
    mock.get(
        f"{GRAPH}/oauth/access_token",
        json={"access_token": "LONG-TOKEN", "token_type": "bearer", "expires_in": 5183944},
        match=[
            responses.matchers.query_param_matcher(
                {"grant_type": "fb_exchange_token", "fb_exchange_token": "SHORT-TOKEN"},
                strict_match=False,
            )
        ],
    )
    me = {"id": user_id, "name": name}
    if email:
        me["email"] = email
    mock.get(f"{GRAPH}/me", json=me)
    statuses = statuses or {
        "public_profile": "granted",
        "email": "granted",
        "pages_show_list": "granted",
        "pages_manage_metadata": "granted",
        "pages_messaging": "granted",
    }
    mock.get(
        f"{GRAPH}/me/permissions",
        json={"data": [{"permission": k, "status": v} for k, v in statuses.items()]},
    )


def accounts(mock: responses.RequestsMock, pages: list[dict]) -> None:
    """/me/accounts listing `pages` (each with id, name, access_token, tasks)."""
    mock.get(f"{GRAPH}/me/accounts", json={"data": pages})
