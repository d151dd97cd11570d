"""Saved segments: create with a preview, list with live counts, open, edit, delete."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.subscribers import saved
from app.core.subscribers.segments import Segment, SegmentFilter
from app.extensions import db
from tests.audience.conftest import ids, listed


def preview_count(html: str) -> int:
    return int(re.search(r'data-testid="preview-count">([\d,]+)<', html).group(1).replace(",", ""))


def test_the_list_offers_to_save_its_filter_as_a_segment(marketer_client, make):
    make("Ana", tags=("vip",))
    html = marketer_client.get("/subscribers/?f=1&tags_any=vip&window=open").text
    assert 'href="/subscribers/segments/new?f=1&amp;tags_any=vip&amp;window=open"' in html


def test_a_new_segment_starts_from_the_lists_filter_with_a_preview(marketer_client, make):
    vips = [make(f"Vip {n:02d}", tags=("vip",), hours_ago=n + 1) for n in range(25)]
    make("Regular")
    html = marketer_client.get("/subscribers/segments/new?f=1&tags_any=vip").text
    assert preview_count(html) == 25
    shown = re.findall(r'data-testid="preview-row">.*?/subscribers/(\d+)"', html, re.S)
    assert [int(found) for found in shown] == [person.id for person in vips[:20]]
    assert 'name="tags_any" value="vip" data-pick-label="vip" checked' in html


def test_preview_then_save(marketer_client, owner, make):
    vip = make("Vip", tags=("vip",))
    make("Regular")
    form = {"f": "1", "name": "VIPs", "tags_any": "vip", "action": "preview"}
    response = marketer_client.post("/subscribers/segments/new", data=form)
    assert response.status_code == 200
    assert preview_count(response.text) == 1
    assert db.session.scalars(select(Segment)).all() == []
    previewed = re.search(r'name="previewed" value="([^"]*)"', response.text).group(1)
    form.update(action="save", previewed=previewed.replace("&amp;", "&"))
    response = marketer_client.post("/subscribers/segments/new", data=form)
    segment = db.session.scalars(select(Segment)).one()
    assert (segment.workspace_id, segment.name) == (owner.workspace_id, "VIPs")
    assert segment.filter == SegmentFilter(tags_any=("vip",))
    assert response.location == f"/subscribers/?segment={segment.id}"
    assert set(listed(marketer_client, response.location)) == ids(vip)


def test_saving_a_filter_that_was_not_previewed_shows_its_preview_first(marketer_client, make):
    make("Vip", tags=("vip",))
    form = {"f": "1", "name": "VIPs", "tags_any": "vip", "action": "save", "previewed": "f=1"}
    response = marketer_client.post("/subscribers/segments/new", data=form)
    assert response.status_code == 200
    assert "The filter changed since the last preview" in response.text
    assert preview_count(response.text) == 1
    assert db.session.scalars(select(Segment)).all() == []


def test_a_segment_needs_a_name_and_a_readable_filter(marketer_client):
    form = {"f": "1", "name": " ", "action": "save", "previewed": "f=1"}
    response = marketer_client.post("/subscribers/segments/new", data=form)
    assert "Give the segment a name." in response.text
    form = {"f": "1", "name": "Bad", "first_seen_from": "someday", "action": "save"}
    response = marketer_client.post("/subscribers/segments/new", data=form)
    assert "The segment was not saved" in response.text
    assert db.session.scalars(select(Segment)).all() == []


def test_segments_are_listed_with_live_counts(marketer_client, owner, make):
    saved.save(owner.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",)))
    saved.save(owner.workspace_id, "Everyone", SegmentFilter())
    make("Vip", tags=("vip",))
    make("Regular")
    html = marketer_client.get("/subscribers/segments").text
    counts = re.findall(r'data-testid="segment-count">([\d,—]+)<', html)
    assert counts == ["2", "1"]  # by name: Everyone, VIPs
    assert "Any tag: vip" in html
    make("Another vip", tags=("vip",))
    html = marketer_client.get("/subscribers/segments").text
    assert re.findall(r'data-testid="segment-count">([\d,—]+)<', html) == ["3", "2"]


def test_opening_a_segment_lists_its_subscribers_with_its_filter(marketer_client, owner, make):
    segment = saved.save(owner.workspace_id, "Lisbon", SegmentFilter(refs=("poster",)))
    poster = make("Poster", ref="poster")
    make("Other", ref="flyer")
    response = marketer_client.get(f"/subscribers/?segment={segment.id}")
    assert set(listed(marketer_client, f"/subscribers/?segment={segment.id}")) == ids(poster)
    assert "<title>Lisbon · Herald</title>" in response.text
    assert f'href="/subscribers/segments/{segment.id}/edit"' in response.text
    assert 'name="ref" value="poster"' in response.text
    # Changing the filter of an open segment offers to update it.
    html = marketer_client.get(f"/subscribers/?f=1&ref=flyer&segment={segment.id}").text
    assert f'href="/subscribers/segments/{segment.id}/edit?f=1&amp;ref=flyer"' in html


def test_editing_a_segment(marketer_client, owner, make):
    segment = saved.save(owner.workspace_id, "Old name", SegmentFilter(tags_any=("a",)))
    make("A", tags=("a",))
    b = make("B", tags=("b",))
    html = marketer_client.get(f"/subscribers/segments/{segment.id}/edit").text
    assert 'value="Old name"' in html
    assert preview_count(html) == 1
    html = marketer_client.get(f"/subscribers/segments/{segment.id}/edit?f=1&tags_any=b").text
    assert preview_count(html) == 1
    assert 'name="tags_any" value="b" data-pick-label="b" checked' in html
    form = {
        "f": "1",
        "name": "New name",
        "tags_any": "b",
        "action": "save",
        "previewed": "f=1&tags_any=b",
    }
    response = marketer_client.post(f"/subscribers/segments/{segment.id}/edit", data=form)
    assert response.location == f"/subscribers/?segment={segment.id}"
    db.session.refresh(segment)
    assert (segment.name, segment.filter) == ("New name", SegmentFilter(tags_any=("b",)))
    assert len(db.session.scalars(select(Segment)).all()) == 1
    assert set(listed(marketer_client, response.location)) == ids(b)


def test_deleting_a_segment(marketer_client, owner, make):
    person = make("Kept", tags=("vip",))
    segment = saved.save(owner.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",)))
    response = marketer_client.post(f"/subscribers/segments/{segment.id}/delete")
    assert response.location == "/subscribers/segments"
    assert db.session.scalars(select(Segment)).all() == []
    assert db.session.get(type(person), person.id) is not None
    html = marketer_client.get("/subscribers/segments").text
    assert "No saved segments yet" in html


def test_a_segment_saved_through_the_api_with_exact_times_lists_exactly(
    marketer_client, owner, make
):
    from datetime import timedelta

    from app.core.db import utcnow

    cut = utcnow() - timedelta(hours=5)
    recent = make("Recent", hours_ago=1)
    make("Earlier", hours_ago=10)
    segment = saved.save(owner.workspace_id, "Last 5 h", SegmentFilter(last_active_from=cut))
    assert set(listed(marketer_client, f"/subscribers/?segment={segment.id}")) == ids(recent)
