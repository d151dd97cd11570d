"""The dashboard's API keys page: owners and admins create (shown once) and revoke keys."""

from __future__ import annotations

import re

import pytest

from app.core.api import keys
from app.core.api.models import ApiKey
from app.core.models import Role
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import UserFactory

KEY_PATTERN = re.compile(r"hk_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def admin_client(client, admin):
    sign_in(client, admin)
    return client


def test_the_page_lists_keys_by_prefix_only(admin_client, admin):
    key, full_key = keys.create(admin, "CRM sync")
    html = admin_client.get("/settings/api-keys").get_data(as_text=True)
    assert "CRM sync" in html
    assert f"hk_{key.prefix}_…" in html
    assert full_key not in html
    assert full_key.rsplit("_", 1)[1] not in html
    assert f"by {admin.name}" in html
    assert "Never" in html
    assert 'href="/api/v1/openapi.json"' in html
    assert 'href="/settings/api-keys"' in html  # the sidebar entry


def test_creating_a_key_shows_it_once_and_it_opens_the_api(admin_client, admin, fb_page):
    response = admin_client.post("/settings/api-keys", data={"name": "Zapier"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    full_key = KEY_PATTERN.search(html).group(0)
    assert f'data-copy="{full_key}"' in html
    assert "only time it is shown" in html
    stored = db.session.scalars(db.select(ApiKey)).one()
    assert (stored.name, stored.workspace_id, stored.created_by_id) == (
        "Zapier",
        admin.workspace_id,
        admin.id,
    )
    assert full_key not in admin_client.get("/settings/api-keys").get_data(as_text=True)

    api_response = admin_client.get(
        "/api/v1/pages", headers={"Authorization": f"Bearer {full_key}"}
    )
    assert api_response.status_code == 200
    assert [page["id"] for page in api_response.get_json()["data"]] == [fb_page.id]


def test_revoking_a_key_closes_the_api_to_it(admin_client, admin):
    key, full_key = keys.create(admin, "Old integration")
    bearer = {"Authorization": f"Bearer {full_key}"}
    assert admin_client.get("/api/v1/pages", headers=bearer).status_code == 200
    response = admin_client.post(f"/settings/api-keys/{key.id}/revoke", follow_redirects=True)
    assert "The key was revoked." in response.get_data(as_text=True)
    assert "Revoked" in response.get_data(as_text=True)
    assert admin_client.get("/api/v1/pages", headers=bearer).status_code == 401
    db.session.refresh(key)
    assert key.revoked_at is not None


def test_the_revoke_button_asks_first_and_carries_csrf(admin_client, admin):
    key, _full = keys.create(admin, "Integration")
    html = admin_client.get("/settings/api-keys").get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/settings/api-keys/{key.id}/revoke" data-confirm="[^"]+">'
        r'\s*<input type="hidden" name="csrf_token"',
        html,
    )
    assert form is not None


def test_another_workspaces_key_cannot_be_revoked(admin_client, other_page):
    their_key, their_full_key = keys.create(other_page.workspace.members[0], "Theirs")
    response = admin_client.post(f"/settings/api-keys/{their_key.id}/revoke", follow_redirects=True)
    assert "There is no such key." in response.get_data(as_text=True)
    bearer = {"Authorization": f"Bearer {their_full_key}"}
    assert admin_client.get("/api/v1/pages", headers=bearer).status_code == 200
    assert "Theirs" not in admin_client.get("/settings/api-keys").get_data(as_text=True)


def test_a_key_needs_a_name(admin_client):
    response = admin_client.post("/settings/api-keys", data={"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(ApiKey)).all() == []


def test_an_admin_may_manage_keys(client, workspace):
    sign_in(client, UserFactory(workspace=workspace, role=Role.ADMIN))
    assert client.get("/settings/api-keys").status_code == 200
    assert client.post("/settings/api-keys", data={"name": "Admin's"}).status_code == 200


@pytest.mark.parametrize("role", [Role.MARKETER, Role.AGENT])
def test_marketers_and_agents_get_403(client, workspace, admin, role):
    key, _full = keys.create(admin, "Owner's")
    sign_in(client, UserFactory(workspace=workspace, role=role))
    assert client.get("/settings/api-keys").status_code == 403
    assert client.post("/settings/api-keys", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/settings/api-keys/{key.id}/revoke").status_code == 403
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/pages/"' in home.get_data(as_text=True)  # the sidebar is there...
    assert 'href="/settings/api-keys"' not in home.get_data(as_text=True)  # ...without keys
    db.session.refresh(key)
    assert key.active
    assert len(keys.keys(workspace.id)) == 1


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get("/settings/api-keys")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_form_needs_its_csrf_token(make_app, admin):
    strict = make_app(WTF_CSRF_ENABLED=True).test_client()
    sign_in(strict, admin)
    response = strict.post("/settings/api-keys", data={"name": "No token"})
    assert response.status_code == 400
    assert db.session.scalars(db.select(ApiKey)).all() == []
