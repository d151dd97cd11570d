"""The shell: /healthz, the status page, error pages and security headers."""

from __future__ import annotations

from app.core import queue, scheduling
from app.core.models import Role


def test_healthz_is_ok_when_both_stores_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True


def test_healthz_names_redis_when_it_is_down(make_app):
    broken = make_app(REDIS_URL="redis://127.0.0.1:9/0")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_names_the_database_when_it_is_down(make_app, tmp_path):
    missing = tmp_path / "no-such-dir" / "herald.db"
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]


def test_status_page_reports_missing_worker_and_scheduler(owner_client):
    html = owner_client.get("/status").get_data(as_text=True)
    assert "No worker is running" in html
    assert "Not running" in html
    assert "Attention needed" in html


def test_status_page_shows_queue_lengths_and_scheduler(owner_client):
    queue.enqueue("tests.support.jobs.create_workspace", "x", queue=queue.SENDS)
    scheduling.record_heartbeat()
    html = owner_client.get("/status").get_data(as_text=True)
    assert 'data-testid="queue-sends"><td>sends</td><td class="text-end">1</td>' in html
    assert "Last check-in" in html


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    status = client.get("/status")
    assert status.status_code == 302
    assert "/login?next=%2Fstatus" in status.headers["Location"]


def test_only_admins_see_the_status_page(client):
    from tests.conftest import sign_in
    from tests.factories import UserFactory

    marketer = UserFactory(role=Role.MARKETER)
    sign_in(client, marketer)
    assert client.get("/status").status_code == 403


def test_overview_shows_figures_and_the_next_step(owner_client):
    html = owner_client.get("/").get_data(as_text=True)
    assert 'data-testid="kpi-pages">0<' in html
    assert "Connect your Facebook account" in html


def test_unknown_pages_get_a_friendly_page_and_machines_get_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.get_json()["error"]["status"] == 404
    assert client.get("/x", headers={"Accept": "application/json"}).is_json


def test_every_response_carries_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_carry_a_csrf_token_for_htmx(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in html


def test_static_assets_come_from_vendored_npm_packages(client):
    html = client.get("/login").get_data(as_text=True)
    for asset in (
        "vendor/@tabler/core/css/tabler.min.css",
        "vendor/htmx.org/htmx.min.js",
        "vendor/@tabler/icons-webfont/tabler-icons.min.css",
    ):
        assert asset in html
        assert client.get(f"/static/{asset}").status_code == 200
