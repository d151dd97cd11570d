"""Authentication with workspace API keys, last-use tracking and per-key rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.core.api import keys
from app.core.api.auth import record_use
from app.core.api.models import ApiKey
from app.core.db import utcnow
from app.extensions import db


def assert_unauthorized(response, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json() == {
        "error": {"status": 401, "code": "unauthorized", "message": message}
    }


MISSING = "Send your API key as Authorization: Bearer <key>."
INVALID = "This API key is not valid or has been revoked."


@pytest.mark.parametrize(
    "path", ["/api/v1/pages", "/api/v1/subscribers", "/api/v1/segments", "/api/v1/growth-links"]
)
def test_no_key_is_401_in_the_stable_shape(api, path):
    assert_unauthorized(api.get(path, key=""), MISSING)


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token hk_abc_def"],
)
def test_a_header_that_is_not_a_bearer_key_is_401(api, header):
    response = api.get("/api/v1/pages", key="", headers={"Authorization": header})
    assert_unauthorized(response, MISSING)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda good: "hk_nosuchprefix_secret",
        lambda good: good[:-1] + ("A" if good[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda good: good.removeprefix("hk_"),
        lambda good: "hk_" + good.split("_")[1],  # prefix only
        lambda good: "not-a-key",
    ],
)
def test_a_bad_key_is_401_with_invalid_token(api, make_key):
    response = api.get("/api/v1/pages", key=make_key(api.key))
    assert_unauthorized(response, INVALID)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_revoked_key_is_401(api, workspace):
    assert api.get("/api/v1/pages").status_code == 200
    key = db.session.scalars(db.select(ApiKey)).one()
    assert keys.revoke(workspace.id, key.id)
    assert_unauthorized(api.get("/api/v1/pages"), INVALID)


def test_a_key_acts_for_its_own_workspace_only(api, admin, other_page):
    other_key = keys.create(other_page.workspace.members[0], "Theirs")[1]
    mine = api.get("/api/v1/pages").get_json()["data"]
    theirs = api.get("/api/v1/pages", key=other_key).get_json()["data"]
    assert [page["name"] for page in theirs] == ["Rival Bikes"]
    assert "Rival Bikes" not in [page["name"] for page in mine]


def test_the_scheme_is_case_insensitive(api):
    response = api.get("/api/v1/pages", key="", headers={"Authorization": f"bearer {api.key}"})
    assert response.status_code == 200


def test_last_used_at_is_written_on_use_and_at_most_once_a_minute(api):
    key = db.session.scalars(db.select(ApiKey)).one()
    assert key.last_used_at is None
    assert api.get("/api/v1/pages").status_code == 200
    db.session.refresh(key)
    first = key.last_used_at
    assert first is not None

    api.get("/api/v1/pages")
    db.session.refresh(key)
    assert key.last_used_at == first  # within the minute: no write

    record_use(key, now=first + timedelta(seconds=61))
    db.session.refresh(key)
    assert key.last_used_at == first + timedelta(seconds=61)


def test_record_use_writes_once_when_requests_race(api):
    key = db.session.scalars(db.select(ApiKey)).one()
    later = utcnow() + timedelta(hours=1)
    # Another request recorded a use meanwhile; this one still holds the row as it was.
    db.session.execute(
        update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=later),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    stale = ApiKey(id=key.id, last_used_at=None)
    record_use(stale, now=later + timedelta(seconds=30))
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).last_used_at == later


def test_requests_over_the_rate_limit_get_429_in_the_stable_shape(make_app, admin):
    limited = make_app(API_RATE_LIMIT="3/minute")
    full_key = keys.create(admin, "Busy")[1]
    other_key = keys.create(admin, "Quiet")[1]
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {full_key}"}
    paths = ["/api/v1/pages", "/api/v1/segments", "/api/v1/growth-links", "/api/v1/pages"]
    codes = [client.get(path, headers=headers).status_code for path in paths]
    assert codes == [200, 200, 200, 429]  # one bucket per key across every resource
    response = client.get("/api/v1/subscribers", headers=headers)
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (429, "rate_limited")
    assert "3 per 1 minute" in error["message"]
    # Another key of the same workspace has its own bucket.
    other = client.get("/api/v1/pages", headers={"Authorization": f"Bearer {other_key}"})
    assert other.status_code == 200


def test_api_posts_need_no_csrf_token_even_when_csrf_is_on(make_app, admin, fb_page):
    strict = make_app(WTF_CSRF_ENABLED=True)
    full_key = keys.create(admin, "Server")[1]
    response = strict.test_client().post(
        "/api/v1/segments",
        json={"name": "Everyone", "filter": {}},
        headers={"Authorization": f"Bearer {full_key}"},
    )
    assert response.status_code == 201
