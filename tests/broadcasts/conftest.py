"""Fixtures of the broadcast tests: a Page with subscribers, drafts, jobs run in-process."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from app.broadcasts import services
from app.broadcasts.models import Broadcast
from app.broadcasts.services import Draft
from app.core.db import utcnow
from app.core.models import Role
from app.core.queue import QUEUE_NAMES, HeraldWorker, get_queue
from app.extensions import db, redis_client
from tests.conftest import sign_in
from tests.factories import PageFactory, SubscriberFactory, UserFactory


@pytest.fixture
def page(app):
    """A connected Page."""
    return PageFactory(name="Acme Coffee")


@pytest.fixture
def marketer(page):
    """A marketer of the Page's workspace."""
    return UserFactory(workspace=page.workspace, role=Role.MARKETER, name="Mia Marketer")


@pytest.fixture
def marketer_client(client, marketer):
    """A test client signed in as the marketer."""
    sign_in(client, marketer)
    return client


def subscriber(page, *, hours_ago: float | None = 1, **values: Any):
    """A subscriber of `page` who last wrote `hours_ago` hours ago (None: never)."""
    last = None if hours_ago is None else utcnow() - timedelta(hours=hours_ago)
    return SubscriberFactory(page=page, last_inbound_at=last, **values)


def text_content(text: str = "Hi {{first_name|there}}!", **extra: Any) -> dict[str, Any]:
    """Composed text content."""
    return {"kind": "text", "text": text, **extra}


def make_broadcast(page, author=None, **values: Any) -> Broadcast:
    """A stored draft (every check applied, as the dashboard and API do)."""
    draft = Draft(
        page_id=page.id,
        name=values.pop("name", "Spring sale"),
        content=values.pop("content", text_content()),
        audience=values.pop("audience", {}),
        intent=values.pop("intent", "promotional"),
        tag=values.pop("tag", None),
    )
    assert not values, f"unknown values {values}"
    return services.create(page.workspace_id, author, draft)


def run_jobs(application: Flask, *, queues: tuple[str, ...] = QUEUE_NAMES) -> None:
    """Run every queued job in this process until the queues are empty (as a burst worker)."""
    with application.app_context():
        worker = HeraldWorker([get_queue(name) for name in queues], connection=redis_client.client)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
    db.session.expire_all()


def queued_functions() -> list[str]:
    """The function of every job waiting in any queue."""
    return [job.func_name for name in QUEUE_NAMES for job in get_queue(name).get_jobs()]
