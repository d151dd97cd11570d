"""/api/v1/segments: save, read, change and delete segments; their members; previews."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.core.subscribers import edits, saved, segments
from app.core.subscribers.segments import Segment, SegmentFilter
from app.extensions import db
from tests.api.conftest import iso
from tests.factories import SubscriberFactory

FILTER = {
    "tags_any": ["vip"],
    "window": "open",
    "fields": [{"name": "city", "operator": "equals", "value": "Lisbon"}],
    "first_seen_from": "2024-05-01T00:00:00+01:00",
}


def expected_segment(segment: Segment) -> dict:
    return {
        "id": segment.id,
        "name": segment.name,
        "filter": json.loads(json.dumps(segment.filter.to_json())),  # tuples as lists
        "created_at": iso(segment.created_at),
        "updated_at": iso(segment.updated_at),
    }


def test_create_then_read_a_segment(api, workspace):
    response = api.post("/api/v1/segments", json={"name": "Lisbon VIPs", "filter": FILTER})
    assert response.status_code == 201
    segment = db.session.scalars(db.select(Segment)).one()
    assert segment.workspace_id == workspace.id
    assert segment.filter == SegmentFilter.from_json(FILTER)
    assert response.get_json() == expected_segment(segment)
    assert response.get_json()["filter"] == {
        "tags_any": ["vip"],
        "window": "open",
        "first_seen_from": "2024-05-01T00:00:00+01:00",
        "fields": [{"name": "city", "operator": "equals", "value": "Lisbon"}],
    }
    assert api.get(f"/api/v1/segments/{segment.id}").get_json() == expected_segment(segment)


def test_the_list_shows_saved_segments_in_id_order_with_a_cursor(api, workspace):
    made = [saved.save(workspace.id, name, SegmentFilter(search=name)) for name in ("b", "a", "c")]
    first = api.get("/api/v1/segments?limit=2").get_json()
    assert first["data"] == [expected_segment(made[0]), expected_segment(made[1])]
    second = api.get(f"/api/v1/segments?limit=2&cursor={first['next_cursor']}").get_json()
    assert second == {"data": [expected_segment(made[2])], "next_cursor": None}


def test_patch_renames_and_replaces_the_filter(api, workspace):
    segment = saved.save(workspace.id, "Old", SegmentFilter(tags_any=("vip",), subscribed=True))
    renamed = api.patch(f"/api/v1/segments/{segment.id}", json={"name": "New"})
    assert renamed.status_code == 200
    assert renamed.get_json()["name"] == "New"
    assert renamed.get_json()["filter"] == {"tags_any": ["vip"], "subscribed": True}
    refiltered = api.patch(f"/api/v1/segments/{segment.id}", json={"filter": {"window": "closed"}})
    assert refiltered.get_json()["filter"] == {"window": "closed"}
    assert refiltered.get_json()["name"] == "New"
    db.session.expire_all()
    assert saved.get(workspace.id, segment.id).filter == SegmentFilter(window="closed")


def test_delete_removes_the_segment(api, workspace):
    segment = saved.save(workspace.id, "Gone soon", SegmentFilter())
    response = api.delete(f"/api/v1/segments/{segment.id}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert saved.segments(workspace.id) == []
    assert api.delete(f"/api/v1/segments/{segment.id}").status_code == 404


def test_members_are_paginated_with_a_total_count(api, workspace, fb_page):
    vips = SubscriberFactory.create_batch(3, page=fb_page)
    SubscriberFactory(page=fb_page)
    edits.add_tags([s.id for s in vips], ["vip"])
    db.session.commit()
    segment = saved.save(workspace.id, "VIPs", SegmentFilter(tags_any=("vip",)))
    first = api.get(f"/api/v1/segments/{segment.id}/subscribers?limit=2").get_json()
    assert first["count"] == 3
    assert [item["id"] for item in first["data"]] == [vips[0].id, vips[1].id]
    assert first["data"][0]["tags"] == ["vip"]
    cursor = first["next_cursor"]
    second = api.get(f"/api/v1/segments/{segment.id}/subscribers?cursor={cursor}").get_json()
    assert second == {
        "data": [api.get(f"/api/v1/subscribers/{vips[2].id}").get_json()],
        "next_cursor": None,
        "count": 3,
    }


def test_preview_counts_and_shows_the_most_recently_active(api, workspace, fb_page):
    now = utcnow()
    people = [
        SubscriberFactory(page=fb_page, last_inbound_at=now - timedelta(hours=hours))
        for hours in range(1, 25)
    ]
    SubscriberFactory(page=fb_page, subscribed=False)
    response = api.post("/api/v1/segments/preview", json={"filter": {"subscribed": True}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 24
    assert [item["id"] for item in body["preview"]] == [s.id for s in people[:20]]
    expected = segments.preview(workspace.id, SegmentFilter(subscribed=True))
    assert [item["id"] for item in body["preview"]] == [s.id for s in expected]


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"name": "x", "filter": {"colour": "red"}}, {"filter": {"colour": ["Unknown field."]}}),
        ({"name": "x", "filter": {"page_ids": "1"}},
         {"filter": {"page_ids": ["Not a valid list."]}}),
        ({"name": "x", "filter": {"first_seen_from": "2024-05-01T00:00:00"}},
         {"filter": {"first_seen_from": ["Not a valid aware datetime."]}}),
        ({"name": "x", "filter": {"fields": [{"name": "city", "operator": "like"}]}},
         {"filter": {"fields": {"0": {"operator": [
             "Must be one of: equals, not_equals, contains, is_set, is_not_set."]}}}}),
        ({"name": "", "filter": {}}, {"name": ["Length must be between 1 and 120."]}),
        ({"name": "x"}, {"filter": ["Missing data for required field."]}),
    ],
)  # fmt: skip
def test_invalid_segments_are_422_with_details(api, body, details):
    response = api.post("/api/v1/segments", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == details
    assert db.session.scalars(db.select(Segment)).all() == []


def test_a_blank_name_the_core_refuses_is_422(api):
    response = api.post("/api/v1/segments", json={"name": "   ", "filter": {}})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "Give the segment a name."


def test_a_filter_the_core_refuses_is_422_with_its_message(api, monkeypatch):
    def refuse(_data):
        raise ValueError("window must be one of open, human_agent, closed")

    monkeypatch.setattr(SegmentFilter, "from_json", staticmethod(refuse))
    response = api.post("/api/v1/segments/preview", json={"filter": {}})
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "status": 422,
        "code": "validation_error",
        "message": "window must be one of open, human_agent, closed",
        "details": {"filter": ["window must be one of open, human_agent, closed"]},
    }


def test_another_workspaces_segment_is_404_everywhere_and_never_listed(api, other_page):
    theirs = saved.save(other_page.workspace_id, "Theirs", SegmentFilter())
    base = f"/api/v1/segments/{theirs.id}"
    assert api.get(base).status_code == 404
    assert api.get(f"{base}/subscribers").status_code == 404
    assert api.patch(base, json={"name": "Mine now"}).status_code == 404
    assert api.delete(base).status_code == 404
    assert api.all_items("/api/v1/segments") == []
    db.session.expire_all()
    assert saved.get(other_page.workspace_id, theirs.id).name == "Theirs"


def test_a_preview_never_reaches_other_workspaces(api, other_page, fb_page):
    SubscriberFactory(page=other_page)
    filter_ = {"page_ids": [other_page.id]}
    assert api.post("/api/v1/segments/preview", json={"filter": filter_}).get_json() == {
        "count": 0,
        "preview": [],
    }
