"""Who may use the audience area, and that no workspace ever sees another's people."""

from __future__ import annotations

import pytest

from app.core.models import Role
from app.core.subscribers import growth, saved
from app.core.subscribers.segments import SegmentFilter
from tests.audience.conftest import listed
from tests.conftest import sign_in
from tests.factories import PageFactory, SubscriberFactory, UserFactory

GETS = (
    "/subscribers/",
    "/subscribers/export.csv",
    "/subscribers/segments",
    "/subscribers/segments/new",
    "/growth-links",
)


@pytest.fixture
def stranger():
    """Another workspace with a Page, a subscriber, a segment and a growth link."""
    page = PageFactory(name="Their Page")
    person = SubscriberFactory(page=page, name="Their Subscriber", psid="999")
    segment = saved.save(page.workspace_id, "Their segment", SegmentFilter())
    link = growth.create(page, "Their link", "theirs")
    return {"page": page, "person": person, "segment": segment, "link": link}


def test_another_workspaces_ids_answer_404(marketer_client, stranger):
    person, segment, link = stranger["person"].id, stranger["segment"].id, stranger["link"].id
    for url in (
        f"/subscribers/{person}",
        f"/subscribers/?segment={segment}",
        f"/subscribers/export.csv?segment={segment}",
        f"/subscribers/segments/{segment}/edit",
    ):
        assert marketer_client.get(url).status_code == 404, url
    for url in (
        f"/subscribers/{person}/tags",
        f"/subscribers/{person}/tags/remove",
        f"/subscribers/{person}/fields",
        f"/subscribers/segments/{segment}/edit",
        f"/subscribers/segments/{segment}/delete",
        f"/growth-links/{link}/delete",
    ):
        response = marketer_client.post(url, data={"tags": "x", "tag": "x", "name": "x"})
        assert response.status_code == 404, url
    assert saved.get(stranger["page"].workspace_id, segment) is not None
    assert growth.links(stranger["page"].workspace_id) == [stranger["link"]]


def test_another_workspaces_rows_are_never_listed(marketer_client, make, stranger):
    mine = make("Mine")
    page_id = stranger["page"].id
    assert listed(marketer_client, "/subscribers/") == [mine.id]
    assert listed(marketer_client, f"/subscribers/?f=1&page_id={page_id}") == []
    assert listed(marketer_client, "/subscribers/?f=1&q=999") == []
    csv_text = marketer_client.get("/subscribers/export.csv").text
    assert "Their Subscriber" not in csv_text
    assert "Mine" in csv_text
    for url in ("/subscribers/segments", "/growth-links", "/subscribers/segments/new"):
        html = marketer_client.get(url).text
        assert "Their" not in html, url


@pytest.mark.parametrize("url", GETS)
def test_agents_are_refused(client, owner, url):
    agent = UserFactory(workspace=owner.workspace, role=Role.AGENT)
    sign_in(client, agent)
    assert client.get(url).status_code == 403


def test_agents_are_refused_every_change(client, owner, make):
    person = make("Ana")
    agent = UserFactory(workspace=owner.workspace, role=Role.AGENT)
    sign_in(client, agent)
    for url in (
        "/subscribers/bulk",
        f"/subscribers/{person.id}/tags",
        "/subscribers/segments/new",
        "/growth-links",
    ):
        assert client.post(url, data={"tags": "x"}).status_code == 403, url
    assert client.get(f"/subscribers/{person.id}").status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get("/subscribers/")
    assert response.status_code == 302
    assert "/login" in response.location


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MARKETER])
def test_the_sidebar_shows_the_area_to_marketers_and_above(client, owner, role):
    user = owner if role == Role.OWNER else UserFactory(workspace=owner.workspace, role=role)
    sign_in(client, user)
    html = client.get("/subscribers/segments").text
    assert 'href="/subscribers/"' in html
    assert 'href="/growth-links"' in html
    active = html.split('nav-item active">', 1)[1].split("</li>", 1)[0]
    assert "Subscribers" in active


def test_the_growth_links_entry_is_highlighted_on_its_page(marketer_client):
    html = marketer_client.get("/growth-links").text
    active = html.split('nav-item active">', 1)[1].split("</li>", 1)[0]
    assert "Growth links" in active


def test_agents_do_not_see_the_entries(client, owner):
    agent = UserFactory(workspace=owner.workspace, role=Role.AGENT)
    sign_in(client, agent)
    html = client.get("/").text
    assert 'href="/subscribers/"' not in html
    assert 'href="/growth-links"' not in html


def test_every_form_carries_a_csrf_token_and_posts_without_one_are_refused(
    make_app, owner, make, acme
):
    guarded = make_app(WTF_CSRF_ENABLED=True)
    person = make("Ana", tags=("vip",))
    growth.create(acme, "Poster", "poster")
    segment = saved.save(owner.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",)))
    client = guarded.test_client()
    sign_in(client, owner)
    for url in (
        "/subscribers/",
        f"/subscribers/{person.id}",
        "/subscribers/segments",
        "/subscribers/segments/new",
        "/growth-links",
    ):
        html = client.get(url).text
        forms = html.count('method="post"')
        assert forms > 0, url
        assert html.count('name="csrf_token"') >= forms, url
    for url in (
        "/subscribers/bulk",
        f"/subscribers/{person.id}/tags",
        f"/subscribers/{person.id}/tags/remove",
        f"/subscribers/{person.id}/fields",
        "/subscribers/segments/new",
        f"/subscribers/segments/{segment.id}/edit",
        f"/subscribers/segments/{segment.id}/delete",
        "/growth-links",
    ):
        assert client.post(url, data={"tags": "x"}).status_code == 400, url
