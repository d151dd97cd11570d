"""Audience fixtures: a marketer's workspace with a Page, and subscribers built to order."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.core.db import utcnow
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page, Role, User
from app.core.subscribers import edits
from app.core.subscribers.models import Subscriber
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import PageFactory, SubscriberFactory, UserFactory


@pytest.fixture
def marketer(owner: User) -> User:
    """A marketer of the owner's workspace (the least role that may use the audience area)."""
    return UserFactory(workspace=owner.workspace, role=Role.MARKETER)


@pytest.fixture
def marketer_client(client, marketer: User):
    """A test client signed in as the marketer."""
    sign_in(client, marketer)
    return client


@pytest.fixture
def acme(owner: User) -> Page:
    """A connected Page of the owner's workspace."""
    return PageFactory(workspace=owner.workspace, name="Acme Coffee")


@pytest.fixture
def make(acme: Page) -> Callable[..., Subscriber]:
    """Create a subscriber: `hours_ago` of the last message, tags and custom fields."""

    def factory(
        name: str,
        *,
        page: Page | None = None,
        hours_ago: float | None = 1,
        tags: tuple[str, ...] = (),
        fields: dict[str, str] | None = None,
        **values: Any,
    ) -> Subscriber:
        if "last_inbound_at" not in values:
            values["last_inbound_at"] = (
                None if hours_ago is None else utcnow() - timedelta(hours=hours_ago)
            )
        person = SubscriberFactory(page=page or acme, name=name, **values)
        if tags:
            edits.add_tags([person.id], list(tags))
        if fields:
            edits.set_fields(person, fields)
        db.session.commit()
        return person

    return factory


def message(person: Subscriber, direction: Direction, **values: Any) -> Message:
    """Store one message of the log with `person`."""
    defaults: dict[str, Any] = {
        "kind": "text",
        "payload": {},
        "sent_at": utcnow(),
        "status": MessageStatus.RECEIVED if direction == Direction.IN else MessageStatus.SENT,
        "origin": "webhook" if direction == Direction.IN else "livechat",
    }
    row = Message(
        workspace_id=person.workspace_id,
        page_id=person.page_id,
        subscriber_id=person.id,
        direction=direction,
        **{**defaults, **values},
    )
    db.session.add(row)
    db.session.commit()
    return row


def listed(client, url: str) -> list[int]:
    """Ids of the subscribers a list page shows, in order."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [int(found) for found in re.findall(r'data-subscriber-id="(\d+)"', response.text)]


def ids(*people: Subscriber) -> set[int]:
    """The ids of `people`, for comparing with `listed`."""
    return {person.id for person in people}
