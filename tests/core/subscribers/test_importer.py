"""Importing a connected Page's earlier conversations."""

from __future__ import annotations

from datetime import UTC, datetime

import responses
from sqlalchemy import select

from app.core.messages.models import Direction, Message
from app.core.subscribers import importer
from app.core.subscribers.models import Source, Subscriber
from app.extensions import db, redis_client
from tests.factories import PageFactory, SubscriberFactory
from tests.support.graph import GRAPH

PAGE = "101"


def conversations(graph, *, after_page: bool = True) -> None:
    graph.get(
        f"{GRAPH}/{PAGE}/conversations",
        match=[
            responses.matchers.query_param_matcher(
                {"platform": "messenger", "fields": "participants,updated_time", "limit": "25"},
                strict_match=False,
            )
        ],
        json={
            "data": [
                {
                    "id": "t_1",
                    "updated_time": "2026-11-20T10:00:00+0000",
                    "participants": {
                        "data": [
                            {"id": "7001", "name": "Maya Thompson"},
                            {"id": PAGE, "name": "Acme"},
                        ]
                    },
                },
            ],
            "paging": {"next": f"{GRAPH}/{PAGE}/conversations?after=X"} if after_page else {},
        },
    )
    if after_page:
        graph.get(
            f"{GRAPH}/{PAGE}/conversations",
            json={
                "data": [
                    {
                        "id": "t_2",
                        "participants": {"data": [{"id": PAGE}, {"id": "7002", "name": "Luis H"}]},
                    },
                ]
            },
            match=[responses.matchers.query_param_matcher({"after": "X"}, strict_match=False)],
        )
    graph.get(
        f"{GRAPH}/t_1/messages",
        json={
            "data": [
                {
                    "id": "m_3",
                    "message": "Great, see you at 9",
                    "from": {"id": "7001"},
                    "created_time": "2026-11-20T10:00:00+0000",
                },
                {
                    "id": "m_2",
                    "message": "Yes, 8am to 2pm",
                    "from": {"id": PAGE},
                    "created_time": "2026-11-20T09:55:00+0000",
                },
                {
                    "id": "m_1",
                    "message": "Open on Sunday?",
                    "from": {"id": "7001"},
                    "created_time": "2026-11-20T09:50:00+0000",
                },
            ]
        },
    )
    if not after_page:
        return
    graph.get(
        f"{GRAPH}/t_2/messages",
        json={
            "data": [
                {
                    "id": "m_9",
                    "message": "Helmets for kids?",
                    "from": {"id": "7002"},
                    "created_time": "2026-11-13T08:00:00+0000",
                },
            ]
        },
    )


def test_conversations_become_subscribers_with_their_history(app, graph):
    page = PageFactory(facebook_page_id=PAGE)
    conversations(graph)
    assert importer.import_conversations(page.id, sleep=lambda _s: None) == 2
    maya, luis = db.session.scalars(select(Subscriber).order_by(Subscriber.psid)).all()
    assert (maya.psid, maya.name, maya.source) == ("7001", "Maya Thompson", Source.IMPORT)
    assert maya.last_inbound_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert maya.first_seen_at == datetime(2026, 11, 20, 9, 50, tzinfo=UTC)
    assert maya.last_outbound_at == datetime(2026, 11, 20, 9, 55, tzinfo=UTC)
    assert luis.last_inbound_at == datetime(2026, 11, 13, 8, 0, tzinfo=UTC)
    history = db.session.scalars(
        select(Message).where(Message.subscriber_id == maya.id).order_by(Message.sent_at)
    ).all()
    assert [(m.mid, m.direction) for m in history] == [
        ("m_1", Direction.IN),
        ("m_2", Direction.OUT),
        ("m_3", Direction.IN),
    ]


def test_importing_twice_adds_nothing(app, graph):
    page = PageFactory(facebook_page_id=PAGE)
    conversations(graph, after_page=False)
    importer.import_conversations(page.id, sleep=lambda _s: None)
    graph.reset()
    conversations(graph, after_page=False)
    importer.import_conversations(page.id, sleep=lambda _s: None)
    assert len(db.session.scalars(select(Subscriber)).all()) == 1
    assert len(db.session.scalars(select(Message)).all()) == 3


def test_the_import_is_paced_for_the_conversations_limit(app, graph):
    page = PageFactory(facebook_page_id=PAGE)
    conversations(graph)
    sleeps: list[float] = []
    importer.import_conversations(page.id, sleep=sleeps.append)
    assert sleeps == [0.5, 0.5]


def test_an_import_waits_for_another_of_the_same_page(app, graph, monkeypatch):
    page = PageFactory(facebook_page_id=PAGE)
    monkeypatch.setattr(importer, "IMPORT_LOCK_SECONDS", 0.2)
    held = redis_client.client.lock(f"herald:import-conversations:{page.id}", timeout=5)
    assert held.acquire(blocking=False)
    # No Graph answer is registered: an import that did not wait would fail the test.
    assert importer.import_conversations(page.id, sleep=lambda _s: None) == 0
    held.release()
    conversations(graph)
    assert importer.import_conversations(page.id, sleep=lambda _s: None) == 2


def one_thread(graph, psid: str, messages: list[dict]) -> None:
    graph.get(
        f"{GRAPH}/{PAGE}/conversations",
        match=[responses.matchers.query_param_matcher({"user_id": psid}, strict_match=False)],
        json={"data": [{"id": "t_9", "participants": {"data": [{"id": psid}, {"id": PAGE}]}}]},
    )
    graph.get(f"{GRAPH}/t_9/messages", json={"data": messages})


def test_facebook_s_record_moves_a_wrong_window_back(app, graph):
    subscriber = SubscriberFactory(
        page=PageFactory(facebook_page_id=PAGE), last_inbound_at=datetime(2026, 11, 20, tzinfo=UTC)
    )
    one_thread(
        graph,
        subscriber.psid,
        [
            {"id": "m_2", "from": {"id": PAGE}, "created_time": "2026-11-19T09:00:00+0000"},
            {
                "id": "m_1",
                "from": {"id": subscriber.psid},
                "created_time": "2026-11-18T08:00:00+0000",
            },
        ],
    )
    importer.refresh_window(subscriber.id)
    db.session.refresh(subscriber)
    assert subscriber.last_inbound_at == datetime(2026, 11, 18, 8, tzinfo=UTC)


def test_the_window_is_never_moved_forward(app, graph):
    known = datetime(2026, 11, 17, tzinfo=UTC)
    subscriber = SubscriberFactory(page=PageFactory(facebook_page_id=PAGE), last_inbound_at=known)
    one_thread(
        graph,
        subscriber.psid,
        [
            {
                "id": "m_1",
                "from": {"id": subscriber.psid},
                "created_time": "2026-11-18T08:00:00+0000",
            }
        ],
    )
    importer.refresh_window(subscriber.id)
    db.session.refresh(subscriber)
    assert subscriber.last_inbound_at == known
