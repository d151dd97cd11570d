"""No API response carries a Page access token or a user's Facebook token, whatever is asked."""

from __future__ import annotations

from app.core.subscribers import edits, growth, saved
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db
from tests.api.conftest import PAGE_TOKEN, USER_TOKEN
from tests.factories import SubscriberFactory


def test_every_endpoint_answers_without_a_token(api, fb_page, workspace, other_page):
    subscriber = SubscriberFactory(page=fb_page)
    edits.add_tags([subscriber.id], ["vip"])
    db.session.commit()
    segment = saved.save(workspace.id, "VIPs", SegmentFilter(tags_any=("vip",)))
    link = growth.create(fb_page, "Spring", "spring")
    theirs = SubscriberFactory(page=other_page)
    calls = [
        ("GET", "/api/v1/pages", None),
        ("GET", f"/api/v1/pages/{fb_page.id}", None),
        ("GET", f"/api/v1/pages/{other_page.id}", None),
        ("GET", "/api/v1/subscribers?search=a", None),
        ("GET", f"/api/v1/subscribers/{subscriber.id}", None),
        ("GET", f"/api/v1/subscribers/{theirs.id}", None),
        ("PATCH", f"/api/v1/subscribers/{subscriber.id}", {"tags_add": ["seen"]}),
        ("PATCH", f"/api/v1/subscribers/{subscriber.id}", {"tags_add": ["bad/tag"]}),
        ("GET", "/api/v1/segments", None),
        ("POST", "/api/v1/segments", {"name": "All", "filter": {}}),
        ("GET", f"/api/v1/segments/{segment.id}", None),
        ("PATCH", f"/api/v1/segments/{segment.id}", {"name": "VIP people"}),
        ("GET", f"/api/v1/segments/{segment.id}/subscribers", None),
        ("POST", "/api/v1/segments/preview", {"filter": {"page_ids": [fb_page.id]}}),
        ("GET", "/api/v1/growth-links", None),
        ("GET", f"/api/v1/growth-links/{link.id}", None),
        ("POST", "/api/v1/growth-links", {"page_id": fb_page.id, "name": "Autumn"}),
        ("POST", "/api/v1/growth-links", {"page_id": fb_page.id, "name": "Spring"}),
        ("DELETE", f"/api/v1/growth-links/{link.id}", None),
        ("DELETE", f"/api/v1/segments/{segment.id}", None),
        ("GET", "/api/v1/openapi.json", None),
        ("GET", "/api/v1/nowhere", None),
    ]
    statuses = []
    for method, path, body in calls:
        response = api.call(method, path, json=body) if body else api.call(method, path)
        statuses.append(response.status_code)
        text = response.get_data(as_text=True)
        assert PAGE_TOKEN not in text, path
        assert USER_TOKEN not in text, path
    assert statuses == [
        200, 200, 404, 200, 200, 404, 200, 422, 200, 201, 200, 200, 200, 200,
        200, 200, 201, 409, 204, 204, 200, 404,
    ]  # fmt: skip
    # The tokens are really there to leak: the test would notice if they did.
    db.session.refresh(fb_page)
    assert fb_page.access_token == PAGE_TOKEN
    assert fb_page.workspace.members[0].facebook_token == USER_TOKEN
