"""Refreshing Page tokens after someone logs in to Facebook again."""

from __future__ import annotations

from app.core.models import PageStatus, Role
from app.core.pages import refresh_page_tokens
from app.extensions import db
from tests.factories import PageFactory, UserFactory
from tests.support.graph import accounts


def listing(*pages):
    return [
        {
            "id": page.facebook_page_id,
            "name": page.name,
            "access_token": f"NEW-{page.id}",
            "tasks": ["MESSAGING"],
        }
        for page in pages
    ]


def test_pages_waiting_for_a_reconnect_get_the_new_token_and_connector(app, graph):
    admin = UserFactory(facebook=True, role=Role.ADMIN)
    page = PageFactory(workspace=admin.workspace, status=PageStatus.NEEDS_RECONNECT)
    accounts(graph, listing(page))

    assert refresh_page_tokens(admin) == [page]

    db.session.refresh(page)
    assert page.status == PageStatus.CONNECTED
    assert page.access_token == f"NEW-{page.id}"
    assert page.connected_by == admin
    assert page.tasks == ["MESSAGING"]


def test_a_working_page_connected_by_someone_else_is_left_alone(app, graph):
    owner = UserFactory(facebook=True)
    other = UserFactory(facebook=True, workspace=owner.workspace, role=Role.ADMIN)
    theirs = PageFactory(workspace=owner.workspace, connected_by=other)
    mine = PageFactory(workspace=owner.workspace, connected_by=owner)
    accounts(graph, listing(theirs, mine))

    assert refresh_page_tokens(owner) == [mine]

    db.session.refresh(theirs)
    assert theirs.access_token != f"NEW-{theirs.id}"
    assert theirs.connected_by == other


def test_disconnected_pages_stay_disconnected(app, graph):
    owner = UserFactory(facebook=True)
    page = PageFactory(workspace=owner.workspace, status=PageStatus.DISCONNECTED)
    accounts(graph, listing(page))

    assert refresh_page_tokens(owner) == []
    assert db.session.get(type(page), page.id).status == PageStatus.DISCONNECTED


def test_members_below_admin_refresh_nothing_and_make_no_call(app, graph):
    marketer = UserFactory(facebook=True, role=Role.MARKETER)
    PageFactory(workspace=marketer.workspace, status=PageStatus.NEEDS_RECONNECT)

    assert refresh_page_tokens(marketer) == []  # `graph` fails the test on any call
