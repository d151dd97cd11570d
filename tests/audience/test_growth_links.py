"""Growth links: create, refuse a duplicate ref, list by Page with QR codes and counts, delete."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import select

from app.core.subscribers import growth
from app.core.subscribers.growth import GrowthLink
from app.core.subscribers.models import Source
from app.extensions import db
from tests.factories import PageFactory


def test_creating_a_link_makes_its_ref_from_the_name(marketer_client, acme):
    response = marketer_client.post(
        "/growth-links", data={"page_id": acme.id, "name": "Summer poster!", "ref": ""}
    )
    link = db.session.scalars(select(GrowthLink)).one()
    assert (link.page_id, link.name, link.ref) == (acme.id, "Summer poster!", "summer-poster")
    assert response.location == f"/growth-links#link-{link.id}"
    text = html_lib.unescape(marketer_client.get("/growth-links").text)
    assert f"https://m.me/{acme.username}?ref=summer-poster" in text
    assert f'data-copy="https://m.me/{acme.username}?ref=summer-poster"' in text
    assert f'src="/pages/{acme.id}/qr.svg?ref=summer-poster"' in text


def test_a_duplicate_ref_on_the_same_page_is_refused_clearly(marketer_client, acme):
    growth.create(acme, "Poster", "poster")
    response = marketer_client.post(
        "/growth-links", data={"page_id": acme.id, "name": "Another", "ref": "poster"}
    )
    assert response.status_code == 200
    text = html_lib.unescape(response.text)
    assert f"{acme.name} already has a link with the ref “poster”." in text
    assert 'value="Another"' in text  # what was typed is kept
    assert len(db.session.scalars(select(GrowthLink)).all()) == 1


def test_the_same_ref_on_another_page_is_fine(marketer_client, owner, acme):
    bikes = PageFactory(workspace=owner.workspace, name="Acme Bikes")
    growth.create(acme, "Poster", "poster")
    marketer_client.post("/growth-links", data={"page_id": bikes.id, "name": "P", "ref": "poster"})
    assert len(db.session.scalars(select(GrowthLink)).all()) == 2


def test_invalid_refs_names_and_pages_are_refused(marketer_client, acme):
    response = marketer_client.post(
        "/growth-links", data={"page_id": acme.id, "name": "Bad", "ref": "has space"}
    )
    assert "A ref may use letters, digits" in html_lib.unescape(response.text)
    response = marketer_client.post("/growth-links", data={"page_id": acme.id, "name": ""})
    assert "Give the link a name." in response.text
    foreign = PageFactory()
    response = marketer_client.post("/growth-links", data={"page_id": foreign.id, "name": "X"})
    assert "Not a valid choice" in response.text
    assert db.session.scalars(select(GrowthLink)).all() == []


def test_links_are_grouped_by_page_with_what_each_brought(marketer_client, owner, acme, make):
    bikes = PageFactory(workspace=owner.workspace, name="Acme Bikes")
    poster = growth.create(acme, "Poster", "poster")
    flyer = growth.create(acme, "Flyer", "flyer")
    window = growth.create(bikes, "Shop window", "poster")
    make("One", ref="poster", source=Source.LINK)
    make("Two", ref="poster", source=Source.LINK)
    make("Three", ref="flyer", source=Source.LINK)
    make("Rider", page=bikes, ref="other")
    html = marketer_client.get("/growth-links").text
    bikes_at = html.index(f'data-testid="growth-page-{bikes.id}"')
    acme_at = html.index(f'data-testid="growth-page-{acme.id}"')
    assert bikes_at < acme_at  # Pages by name
    counts = dict(
        zip(
            (int(found) for found in re.findall(r'id="link-(\d+)"', html)),
            (int(found) for found in re.findall(r'data-testid="growth-count">(\d+)<', html)),
            strict=True,
        )
    )
    assert counts == {window.id: 0, flyer.id: 1, poster.id: 2}
    assert f"/subscribers/?f=1&amp;page_id={acme.id}&amp;ref=poster" in html


def test_deleting_a_link_keeps_the_subscribers_ref(marketer_client, acme, make):
    link = growth.create(acme, "Poster", "poster")
    person = make("One", ref="poster")
    response = marketer_client.post(f"/growth-links/{link.id}/delete")
    assert response.location == "/growth-links"
    assert db.session.scalars(select(GrowthLink)).all() == []
    db.session.refresh(person)
    assert person.ref == "poster"
    assert "No growth links yet" in marketer_client.get("/growth-links").text


def test_without_a_page_the_form_says_to_connect_one(marketer_client):
    html = marketer_client.get("/growth-links").text
    assert "Connect a Page first" in html
    assert 'href="/pages/"' in html
