"""The scheduled Page health check and reactions to Graph errors from any call."""

from __future__ import annotations

from sqlalchemy import select

from app.core import page_health
from app.core.facebook import react_to
from app.core.graph import PermissionDenied, TokenInvalid
from app.core.mail import Email
from app.core.models import PageStatus
from app.core.queue import queue_lengths
from app.extensions import db
from tests.factories import BASE_PERMISSIONS, PageFactory, UserFactory
from tests.support.graph import GRAPH

GRANTED = dict.fromkeys(BASE_PERMISSIONS, "granted")


def debug_token(graph, valid: bool, subcode: int | None = None) -> None:
    data = {"app_id": "100000000000001", "type": "PAGE", "is_valid": valid, "scopes": []}
    if not valid:
        data["error"] = {"code": 190, "message": "invalid", "subcode": subcode}
    graph.get(f"{GRAPH}/debug_token", json={"data": data})


def permissions(graph, statuses: dict[str, str]) -> None:
    graph.get(
        f"{GRAPH}/me/permissions",
        json={"data": [{"permission": k, "status": v} for k, v in statuses.items()]},
    )


def connected_page():
    admin = UserFactory(facebook=True)
    return PageFactory(workspace=admin.workspace, connected_by=admin)


def test_the_sweep_queues_pages_not_checked_recently(app):
    connected_page()
    connected_page()
    page_health.queue_due_checks()
    page_health.queue_due_checks()  # the same checks are not queued twice
    assert queue_lengths()["default"] == 2


def test_an_invalid_token_marks_the_page_and_emails_admins(app, graph):
    page = connected_page()
    debug_token(graph, valid=False, subcode=460)
    page_health.check_page(page.id)
    db.session.refresh(page)
    assert page.status == PageStatus.NEEDS_RECONNECT
    assert "password" in page.status_reason
    email = db.session.scalars(select(Email)).one()
    assert email.to == page.connected_by.email
    assert "reconnect" in email.subject


def test_a_revoked_permission_is_recorded_once(app, graph):
    page = connected_page()
    debug_token(graph, valid=True)
    permissions(graph, {**GRANTED, "pages_manage_metadata": "declined"})
    page_health.check_page(page.id)
    db.session.refresh(page)
    assert page.status == PageStatus.CONNECTED
    assert page.missing_permissions == ["pages_manage_metadata"]
    assert page.checked_at is not None
    assert len(db.session.scalars(select(Email)).all()) == 1


def test_any_190_marks_the_page_and_a_permission_error_names_the_permission(app):
    page = connected_page()
    react_to(page, PermissionDenied("(#200) requires pages_messaging", code=200), "pages_messaging")
    assert page.missing_permissions == ["pages_messaging"]
    react_to(page, TokenInvalid("expired", code=190, subcode=463))
    assert page.status == PageStatus.NEEDS_RECONNECT
    react_to(page, TokenInvalid("expired", code=190, subcode=463))  # once is enough
    assert len(db.session.scalars(select(Email)).all()) == 2


def test_a_feature_gap_survives_the_health_check(app, graph):
    page = connected_page()
    page.missing_permissions = ["human_agent"]  # Facebook refused a Human Agent reply
    db.session.commit()
    debug_token(graph, valid=True)
    permissions(graph, GRANTED)
    page_health.check_page(page.id)
    db.session.refresh(page)
    assert page.missing_permissions == ["human_agent"]


def test_a_gap_that_comes_back_is_mailed_about_once_a_week(app):
    page = connected_page()
    refused = PermissionDenied("(#200) requires pages_messaging", code=200)
    react_to(page, refused, "pages_messaging")
    page.missing_permissions = []  # a health check saw the permission granted
    db.session.commit()
    react_to(page, refused, "pages_messaging")
    assert page.missing_permissions == ["pages_messaging"]
    assert len(db.session.scalars(select(Email)).all()) == 1


def test_the_reconnect_banner_shows_on_every_page(owner_client, owner):
    page = PageFactory(
        workspace=owner.workspace,
        status=PageStatus.NEEDS_RECONNECT,
        status_reason="Its access expired.",
    )
    html = owner_client.get("/").get_data(as_text=True)
    assert 'data-testid="reconnect-banner"' in html
    assert page.name in html
