"""Across every route of the dashboard: one workspace reaches nothing of another's, and no page
ever shows a Facebook token.

The routes are read from the app's URL map, so a new route is covered the day it is added (and
a route with an id this test does not know fails it until the test learns the id).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from app.accounts.models import Invitation
from app.broadcasts import services as broadcasts
from app.broadcasts.models import Broadcast
from app.broadcasts.services import Draft
from app.core.api import keys
from app.core.db import utcnow
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page, Role, User
from app.core.subscribers import growth, saved
from app.core.subscribers.models import Subscriber
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db
from app.livechat import services as livechat
from app.livechat.canned import save as save_canned
from tests.conftest import sign_in
from tests.factories import PageFactory, SubscriberFactory, UserFactory

SECRET_PAGE_TOKEN = "EAAG-TENANCY-SECRET-PAGE"  # markers to look for in every page
SECRET_USER_TOKEN = "TENANCY-SECRET-USER-TOKEN"
SKIPPED_PREFIXES = ("/api/v1", "/static", "/webhooks", "/facebook/")
# Server-sent event streams never end; each feature's own tests cover theirs.
STREAM_PATHS = ("/stream", "/events")


def build_workspace(label: str) -> dict[str, Any]:
    """A workspace with one of everything, named so its rows are easy to spot."""
    owner = UserFactory(name=f"Owner {label}", role=Role.OWNER, facebook=True,
                        facebook_token=f"{SECRET_USER_TOKEN}-{label}")  # fmt: skip
    member = UserFactory(workspace=owner.workspace, name=f"Member {label}", role=Role.MARKETER)
    page = PageFactory(workspace=owner.workspace, name=f"Page {label}",
                       access_token=f"{SECRET_PAGE_TOKEN}-{label}")  # fmt: skip
    subscriber = SubscriberFactory(page=page, name=f"Subscriber {label}",
                                   last_inbound_at=utcnow() - timedelta(hours=1))  # fmt: skip
    conversation = livechat.conversation_for(subscriber)
    message = Message(
        workspace_id=page.workspace_id, page_id=page.id, subscriber_id=subscriber.id,
        direction=Direction.OUT, kind="text", text=f"Message {label}", payload={},
        sent_at=utcnow(), status=MessageStatus.FAILED, origin="livechat",
    )  # fmt: skip
    db.session.add(message)
    db.session.commit()
    note = livechat.add_note(conversation, owner, f"Note {label}")
    segment = saved.save(owner.workspace_id, f"Segment {label}", SegmentFilter())
    link = growth.create(page, f"Link {label}", f"ref-{label.lower()}")
    invitation = Invitation(
        workspace_id=owner.workspace_id,
        email=f"invited-{label.lower()}@example.com",
        role=Role.AGENT,
        token_hash=f"{label}" * 8,
        expires_at=utcnow() + timedelta(days=3),
    )
    db.session.add(invitation)
    db.session.commit()
    canned = save_canned(owner.workspace_id, f"hello{label.lower()}", f"Canned {label}")
    key, _full = keys.create(owner, f"Key {label}")
    broadcast = broadcasts.create(
        owner.workspace_id, owner,
        Draft(page_id=page.id, name=f"Broadcast {label}",
              content={"kind": "text", "text": f"Broadcast {label}"}, audience={},
              intent="promotional", tag=None),
    )  # fmt: skip
    return {
        "owner": owner, "label": label,
        "ids": {
            "page_id": page.id, "user_id": member.id, "subscriber_id": subscriber.id,
            "conversation_id": conversation.id, "message_id": message.id, "note_id": note.id,
            "segment_id": segment.id, "link_id": link.id, "invitation_id": invitation.id,
            "response_id": canned.id, "key_id": key.id, "broadcast_id": broadcast.id,
        },
    }  # fmt: skip


def snapshot(workspace: dict[str, Any]) -> list[Any]:
    """What another workspace must not be able to change."""
    ids = workspace["ids"]
    page = db.session.get(Page, ids["page_id"])
    member = db.session.get(User, ids["user_id"])
    subscriber = db.session.get(Subscriber, ids["subscriber_id"])
    db.session.refresh(page)
    db.session.refresh(member)
    db.session.refresh(subscriber)
    invitation = db.session.get(Invitation, ids["invitation_id"])
    db.session.refresh(invitation)
    conversation = livechat.conversation_for(subscriber)
    db.session.refresh(conversation)
    messages = select(Message).where(Message.subscriber_id == subscriber.id)
    broadcast = db.session.get(Broadcast, ids["broadcast_id"])
    db.session.refresh(broadcast)
    return [
        page.status, page.access_token, member.role, member.is_active, subscriber.tag_names,
        subscriber.field_values, invitation.revoked_at, conversation.status,
        conversation.assignee_id, growth.get(page.workspace_id, ids["link_id"]) is not None,
        saved.get(page.workspace_id, ids["segment_id"]) is not None,
        len(db.session.scalars(messages).all()), broadcast.status, broadcast.name,
        broadcast.scheduled_at,
    ]  # fmt: skip


def url_for_rule(rule: Rule, ids: dict[str, int]) -> str | None:
    """The rule's path with ids filled in; None when it takes an argument that is not an id."""
    path = rule.rule
    for argument in rule.arguments:
        if argument not in ids:
            return None
        path = re.sub(rf"<(?:int:)?{argument}>", str(ids[argument]), path)
    return path


@pytest.fixture
def workspaces(app):
    return build_workspace("A"), build_workspace("B")


def id_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments and not rule.rule.startswith(SKIPPED_PREFIXES)
    ]


def test_every_route_with_an_id_is_covered(app, workspaces):
    known = set(workspaces[0]["ids"]) | {"filename", "token", "code", "part"}
    unknown = {argument for rule in id_rules(app) for argument in rule.arguments} - known
    assert unknown == set(), f"teach this test these ids: {unknown}"


def test_no_route_reaches_another_workspaces_rows(client, app, workspaces):
    mine, theirs = workspaces
    sign_in(client, mine["owner"])
    before = snapshot(theirs)
    foreign_words = [
        f"{word} {theirs['label']}"
        for word in (
            "Subscriber",
            "Message",
            "Note",
            "Segment",
            "Link",
            "Canned",
            "Page",
            "Broadcast",
        )
    ]
    checked = 0
    for rule in id_rules(app):
        path = url_for_rule(rule, theirs["ids"])
        if path is None:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(
                path, method=method, data={"text": "x", "role": "owner", "status": "resolved"}
            )
            body = response.get_data(as_text=True)
            assert response.status_code in {302, 400, 403, 404, 422}, (
                method,
                path,
                response.status_code,
            )
            for word in foreign_words:
                assert word not in body, (method, path, word)
            checked += 1
    assert checked > 20
    assert snapshot(theirs) == before


def test_no_page_shows_a_facebook_token(client, app, workspaces):
    mine, _theirs = workspaces
    sign_in(client, mine["owner"])
    seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        if rule.rule.endswith(STREAM_PATHS):
            continue
        path = url_for_rule(rule, mine["ids"]) if rule.arguments else rule.rule
        if path is None:
            continue
        body = client.get(path).get_data(as_text=True)
        assert SECRET_PAGE_TOKEN not in body, path
        assert SECRET_USER_TOKEN not in body, path
        assert "dev-sandbox-app-secret" not in body, path
        seen += 1
    assert seen > 30
