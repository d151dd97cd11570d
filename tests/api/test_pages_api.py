"""GET /api/v1/pages and /api/v1/pages/{id}; cursor pagination, shown on Pages."""

from __future__ import annotations

from app.core.api.pagination import decode_cursor, encode_cursor
from app.core.models import PageStatus
from tests.api.conftest import PAGE_TOKEN, iso
from tests.factories import PageFactory, SubscriberFactory


def expected_page(page, subscriber_count: int) -> dict:
    return {
        "id": page.id,
        "facebook_page_id": page.facebook_page_id,
        "name": page.name,
        "username": page.username,
        "category": page.category,
        "status": page.status.value,
        "status_reason": page.status_reason,
        "missing_permissions": page.missing_permissions,
        "subscribed_fields": page.subscribed_fields,
        "m_me_link": page.m_me_link,
        "subscriber_count": subscriber_count,
        "connected_at": iso(page.connected_at),
    }


def test_a_page_in_full(api, fb_page):
    fb_page.subscribed_fields = ["messages", "feed"]
    fb_page.missing_permissions = ["pages_manage_posts"]
    SubscriberFactory.create_batch(2, page=fb_page)
    SubscriberFactory(page=fb_page, subscribed=False)  # counted: subscribed or not
    response = api.get(f"/api/v1/pages/{fb_page.id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": fb_page.id,
        "facebook_page_id": "1001",
        "name": "Acme Coffee",
        "username": "acmecoffee",
        "category": "Coffee shop",
        "status": "connected",
        "status_reason": None,
        "missing_permissions": ["pages_manage_posts"],
        "subscribed_fields": ["messages", "feed"],
        "m_me_link": "https://m.me/acmecoffee",
        "subscriber_count": 3,
        "connected_at": iso(fb_page.connected_at),
    }
    assert PAGE_TOKEN not in response.get_data(as_text=True)


def test_the_list_has_every_page_of_the_workspace_with_counts(api, fb_page, workspace):
    broken = PageFactory(
        workspace=workspace,
        status=PageStatus.NEEDS_RECONNECT,
        status_reason="Token expired",
        username=None,
    )
    gone = PageFactory(workspace=workspace, status=PageStatus.DISCONNECTED)
    SubscriberFactory(page=broken)
    response = api.get("/api/v1/pages")
    assert response.status_code == 200
    assert response.get_json() == {
        "data": [expected_page(fb_page, 0), expected_page(broken, 1), expected_page(gone, 0)],
        "next_cursor": None,
    }
    assert response.get_json()["data"][1]["m_me_link"] == f"https://m.me/{broken.facebook_page_id}"


def test_pages_come_in_pages_with_a_cursor(api, workspace):
    pages = PageFactory.create_batch(5, workspace=workspace)
    first = api.get("/api/v1/pages?limit=2").get_json()
    assert [item["id"] for item in first["data"]] == [pages[0].id, pages[1].id]
    assert decode_cursor(first["next_cursor"]) == pages[1].id
    second = api.get(f"/api/v1/pages?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["id"] for item in second["data"]] == [pages[2].id, pages[3].id]
    third = api.get(f"/api/v1/pages?limit=2&cursor={second['next_cursor']}").get_json()
    assert [item["id"] for item in third["data"]] == [pages[4].id]
    assert third["next_cursor"] is None


def test_a_full_last_page_has_no_next_cursor(api, workspace):
    PageFactory.create_batch(2, workspace=workspace)
    body = api.get("/api/v1/pages?limit=2").get_json()
    assert len(body["data"]) == 2
    assert body["next_cursor"] is None


def test_the_default_limit_is_50(api, workspace):
    PageFactory.create_batch(51, workspace=workspace)
    body = api.get("/api/v1/pages").get_json()
    assert len(body["data"]) == 50
    assert body["next_cursor"] == encode_cursor(body["data"][-1]["id"])
    assert len(api.get("/api/v1/pages?limit=100").get_json()["data"]) == 51


def test_another_workspaces_page_is_404_and_never_listed(api, fb_page, other_page):
    response = api.get(f"/api/v1/pages/{other_page.id}")
    missing = api.get("/api/v1/pages/987654")
    assert (response.status_code, missing.status_code) == (404, 404)
    assert response.get_json() == missing.get_json()  # indistinguishable from no such id
    assert response.get_json()["error"]["message"] == "No Page with this id."
    assert [item["id"] for item in api.all_items("/api/v1/pages")] == [fb_page.id]
