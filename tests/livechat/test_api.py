"""The live chat over the REST API: conversations, messages, replies, changes, notes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.api import keys
from app.core.db import utcnow
from app.core.models import Role
from app.extensions import db
from app.livechat import services
from tests.factories import PageFactory, SubscriberFactory, UserFactory


@pytest.fixture
def setup(app, client):
    owner = UserFactory(role=Role.OWNER)
    page = PageFactory(workspace=owner.workspace)
    subscriber = SubscriberFactory(
        page=page, name="Maya", last_inbound_at=utcnow() - timedelta(hours=1)
    )
    conversation = services.conversation_for(subscriber)
    _key, full = keys.create(owner, "tests")
    headers = {"Authorization": f"Bearer {full}"}
    return client, headers, conversation, owner


def test_list_get_and_change_conversations(setup):
    client, headers, conversation, owner = setup
    listed = client.get(
        "/api/v1/conversations?status=open&unassigned=true", headers=headers
    ).get_json()
    assert [c["id"] for c in listed["data"]] == [conversation.id]
    assert listed["data"][0]["subscriber_name"] == "Maya"
    assert listed["data"][0]["window"] == "open"
    changed = client.patch(
        f"/api/v1/conversations/{conversation.id}",
        json={"assignee_id": owner.id, "status": "resolved"},
        headers=headers,
    ).get_json()
    assert (changed["assignee_id"], changed["status"]) == (owner.id, "resolved")


def test_replies_follow_the_policy_and_queue(setup):
    client, headers, conversation, _owner = setup
    response = client.post(
        f"/api/v1/conversations/{conversation.id}/reply",
        json={"text": "Hello from the API"},
        headers=headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["text"], body["status"], body["origin"], body["direction"]) == (
        "Hello from the API",
        "queued",
        "api",
        "out",
    )
    conversation.subscriber.last_inbound_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    automated = client.post(
        f"/api/v1/conversations/{conversation.id}/reply", json={"text": "Hi"}, headers=headers
    )
    assert automated.status_code == 422  # automation may not use the Human Agent tag
    human = client.post(
        f"/api/v1/conversations/{conversation.id}/reply",
        json={"text": "Hi", "sender": "human"},
        headers=headers,
    )
    assert human.status_code == 201
    messages = client.get(
        f"/api/v1/conversations/{conversation.id}/messages", headers=headers
    ).get_json()
    assert [m["text"] for m in messages["data"]] == ["Hello from the API", "Hi"]


def test_notes_and_other_workspaces(setup):
    client, headers, conversation, _owner = setup
    created = client.post(
        f"/api/v1/conversations/{conversation.id}/notes", json={"text": "VIP"}, headers=headers
    )
    assert created.status_code == 201
    notes = client.get(f"/api/v1/conversations/{conversation.id}/notes", headers=headers).get_json()
    assert [n["text"] for n in notes["data"]] == ["VIP"]
    stranger = UserFactory()
    _key, other = keys.create(stranger, "theirs")
    foreign = {"Authorization": f"Bearer {other}"}
    assert (
        client.get(f"/api/v1/conversations/{conversation.id}", headers=foreign).status_code == 404
    )
    assert client.get("/api/v1/conversations", headers=foreign).get_json()["data"] == []
    assert (
        client.post(
            f"/api/v1/conversations/{conversation.id}/notes", json={"text": "x"}, headers=foreign
        ).status_code
        == 404
    )
