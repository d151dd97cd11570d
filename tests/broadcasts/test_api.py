"""Broadcasts over the REST API: create, schedule, get with counts, pause, resume, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.broadcasts import lifecycle
from app.broadcasts.models import Broadcast
from app.core.api import keys
from app.core.db import utcnow
from app.core.models import Role
from app.extensions import db
from tests.broadcasts.conftest import subscriber
from tests.factories import PageFactory, UserFactory

MESSAGE = {
    "kind": "text",
    "text": "Your order {{field.order|}} shipped, {{first_name|there}}.",
    "buttons": [{"type": "web_url", "title": "Track it", "url": "https://shop.example/track"}],
    "quick_replies": [{"title": "Thanks!"}],
}


@pytest.fixture
def api(client, page):
    owner = UserFactory(workspace=page.workspace, role=Role.OWNER)
    _key, full = keys.create(owner, "tests")
    headers = {"Authorization": f"Bearer {full}"}

    def call(method: str, path: str, **kwargs):
        return client.open(f"/api/v1/broadcasts{path}", method=method, headers=headers, **kwargs)

    return call


def create(api, page, **values):
    body = {
        "page_id": page.id,
        "name": "Shipping news",
        "message": MESSAGE,
        "intent": "update",
        "tag": "POST_PURCHASE_UPDATE",
        **values,
    }
    return api("POST", "", json=body)


def test_create_get_and_list(api, page):
    subscriber(page, hours_ago=1)
    subscriber(page, hours_ago=50)
    response = create(api, page)
    assert response.status_code == 201
    created = response.get_json()
    assert (created["status"], created["intent"], created["tag"]) == (
        "draft",
        "update",
        "POST_PURCHASE_UPDATE",
    )
    assert created["message"]["quick_replies"] == [{"title": "Thanks!", "payload": "THANKS!"}]
    assert created["results"]["total"] == 0
    fetched = api("GET", f"/{created['id']}").get_json()
    assert fetched["name"] == "Shipping news"
    assert [b["id"] for b in api("GET", "?status=draft").get_json()["data"]] == [created["id"]]
    counts = api("GET", f"/{created['id']}/audience").get_json()
    assert counts == {"total": 2, "receiving": 2, "in_window": 1, "tagged": 1, "excluded": {}}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"message": {"kind": "text", "text": "x" * 2000}}, "the limit is 1999"),
        (
            {
                "message": {
                    "kind": "text",
                    "text": "Hi",
                    "quick_replies": [{"title": str(i)} for i in range(14)],
                }
            },
            "14 quick replies; Messenger shows at most 13.",
        ),
        ({"intent": "update", "tag": None}, "Choose the tag that describes this update"),
        ({"audience": {"segment_id": 9999}}, "That saved segment does not exist"),
    ],
)
def test_every_problem_is_explained(api, page, values, problem):
    response = create(api, page, **values)
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert any(problem in text for text in body["details"]["problems"])


def test_retired_tags_are_refused_by_the_schema(api, page):
    response = create(api, page, tag="NON_PROMOTIONAL_SUBSCRIPTION")
    assert response.status_code == 422


def test_a_time_in_the_past_is_refused_not_sent_at_once(api, page):
    subscriber(page)
    broadcast_id = create(api, page).get_json()["id"]
    past = (utcnow() - timedelta(hours=3)).isoformat()
    response = api("POST", f"/{broadcast_id}/schedule", json={"scheduled_at": past})
    assert response.status_code == 422
    assert "in the past" in response.get_json()["error"]["message"]
    assert api("GET", f"/{broadcast_id}").get_json()["status"] == "draft"


@pytest.mark.parametrize("parts", [{"buttons": 5}, {"quick_replies": "yes"}, {"buttons": [1]}])
def test_message_parts_of_the_wrong_shape_are_ignored_not_a_crash(api, page, parts):
    response = create(api, page, message={"kind": "text", "text": "Hi", **parts})
    assert response.status_code == 201
    assert response.get_json()["message"].get("buttons", []) == []


def test_schedule_pause_resume_cancel(api, page):
    subscriber(page)
    broadcast_id = create(api, page).get_json()["id"]
    at = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    scheduled = api(
        "POST",
        f"/{broadcast_id}/schedule",
        json={"scheduled_at": at.isoformat(), "timezone": "Asia/Tokyo"},
    ).get_json()
    assert scheduled["status"] == "scheduled"
    assert datetime.fromisoformat(scheduled["scheduled_at"]) == at.astimezone(UTC)
    assert scheduled["timezone"] == "Asia/Tokyo"
    sending = api("POST", f"/{broadcast_id}/schedule", json={}).get_json()
    assert sending["status"] == "sending"
    lifecycle.prepare(broadcast_id)
    assert api("POST", f"/{broadcast_id}/pause").get_json()["pause_reason"] == "Paused by the API"
    again = api("POST", f"/{broadcast_id}/pause")
    assert again.status_code == 422
    assert api("POST", f"/{broadcast_id}/resume").get_json()["status"] == "sending"
    cancelled = api("POST", f"/{broadcast_id}/cancel").get_json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["results"]["skipped_by_reason"] == {"cancelled": 1}


def test_other_workspaces_broadcasts_are_not_found(api, page):
    other_page = PageFactory()
    foreign = Broadcast(workspace_id=other_page.workspace_id, page_id=other_page.id, name="Theirs")
    db.session.add(foreign)
    db.session.commit()
    for method, path in (
        ("GET", ""),
        ("GET", "/audience"),
        ("POST", "/pause"),
        ("POST", "/cancel"),
    ):
        assert api(method, f"/{foreign.id}{path}").status_code == 404
    assert create(api, other_page).status_code == 422  # not their Page
