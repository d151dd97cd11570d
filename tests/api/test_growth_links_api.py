"""/api/v1/growth-links: m.me links with a ref, and the subscribers each brought."""

from __future__ import annotations

import pytest

from app.core.subscribers import growth
from app.core.subscribers.growth import GrowthLink
from app.core.subscribers.models import Source
from app.extensions import db
from tests.factories import PageFactory, SubscriberFactory


def test_create_a_link_with_a_default_ref(api, fb_page):
    response = api.post(
        "/api/v1/growth-links", json={"page_id": fb_page.id, "name": "Summer Sale!"}
    )
    assert response.status_code == 201
    link = db.session.scalars(db.select(GrowthLink)).one()
    assert response.get_json() == {
        "id": link.id,
        "page_id": fb_page.id,
        "name": "Summer Sale!",
        "ref": "summer-sale",
        "url": "https://m.me/acmecoffee?ref=summer-sale",
        "subscribers": 0,
    }


def test_read_and_list_links_with_their_subscribers(api, fb_page, workspace):
    spring = growth.create(fb_page, "Spring", "spring")
    flyer = growth.create(PageFactory(workspace=workspace, username=None), "Flyer", "flyer/1")
    SubscriberFactory.create_batch(2, page=fb_page, source=Source.LINK, ref="spring")
    SubscriberFactory(page=fb_page, source=Source.LINK, ref="flyer/1")  # same ref, other Page
    expected_spring = {
        "id": spring.id,
        "page_id": fb_page.id,
        "name": "Spring",
        "ref": "spring",
        "url": "https://m.me/acmecoffee?ref=spring",
        "subscribers": 2,
    }
    assert api.get(f"/api/v1/growth-links/{spring.id}").get_json() == expected_spring
    listed = api.get("/api/v1/growth-links?limit=1").get_json()
    assert listed["data"] == [expected_spring]
    rest = api.get(f"/api/v1/growth-links?cursor={listed['next_cursor']}").get_json()
    assert rest == {
        "data": [
            {
                "id": flyer.id,
                "page_id": flyer.page_id,
                "name": "Flyer",
                "ref": "flyer/1",
                "url": f"https://m.me/{flyer.page.facebook_page_id}?ref=flyer%2F1",
                "subscribers": 0,
            }
        ],
        "next_cursor": None,
    }


def test_a_taken_ref_is_409(api, fb_page):
    growth.create(fb_page, "Spring", "spring")
    response = api.post(
        "/api/v1/growth-links", json={"page_id": fb_page.id, "name": "Again", "ref": "spring"}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == "Acme Coffee already has a link with the ref “spring”."
    # The default ref (the name's slug) counts too.
    again = api.post("/api/v1/growth-links", json={"page_id": fb_page.id, "name": "Spring"})
    assert again.status_code == 409


def test_a_ref_taken_in_a_race_is_409_not_500(api, fb_page, monkeypatch):
    growth.create(fb_page, "Spring", "spring")
    # The other request committed between this one's check (made to see nothing) and its insert.
    monkeypatch.setattr(db.session, "scalar", lambda *_args, **_kwargs: None)
    response = api.post(
        "/api/v1/growth-links", json={"page_id": fb_page.id, "name": "Again", "ref": "spring"}
    )
    monkeypatch.undo()
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert db.session.scalars(db.select(GrowthLink)).all()[0].name == "Spring"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "Bad", "ref": "has space"}, 422, "A ref may use letters, digits"),
        ({"name": "   "}, 422, "Give the link a name."),
        ({"name": "x", "page_id": 999999}, 422, "No Page with this id."),
        ({"ref": "x"}, 422, "Some fields are not valid; see details."),
    ],
)
def test_invalid_links_are_422(api, fb_page, body, status, message):
    response = api.post("/api/v1/growth-links", json={"page_id": fb_page.id, **body})
    assert response.status_code == status
    assert response.get_json()["error"]["message"].startswith(message)
    assert db.session.scalars(db.select(GrowthLink)).all() == []


def test_a_link_on_another_workspaces_page_is_refused(api, other_page):
    response = api.post("/api/v1/growth-links", json={"page_id": other_page.id, "name": "Mine"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"page_id": ["No Page with this id."]}
    assert db.session.scalars(db.select(GrowthLink)).all() == []


def test_delete_a_link(api, fb_page):
    link = growth.create(fb_page, "Spring", "spring")
    response = api.delete(f"/api/v1/growth-links/{link.id}")
    assert response.status_code == 204
    assert growth.links(fb_page.workspace_id) == []
    assert api.get(f"/api/v1/growth-links/{link.id}").status_code == 404


def test_another_workspaces_link_is_404_and_never_listed(api, other_page):
    theirs = growth.create(other_page, "Theirs", "theirs")
    assert api.get(f"/api/v1/growth-links/{theirs.id}").status_code == 404
    assert api.delete(f"/api/v1/growth-links/{theirs.id}").status_code == 404
    assert api.all_items("/api/v1/growth-links") == []
    assert [link.id for link in growth.links(other_page.workspace_id)] == [theirs.id]
