"""Group commit: concurrent deliveries share transactions, each gets its own row."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.webhooks import receiver
from app.webhooks.group_commit import GroupCommitter
from app.webhooks.models import WebhookEvent
from tests.support.webhooks import signature


def submit_together(committer: GroupCommitter, bodies: list[bytes]) -> list[object]:
    """Submit every body from its own thread at the same moment; each thread's result."""
    results: list[object] = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def one(index: int) -> None:
        start.wait()
        try:
            results[index] = committer.submit(bodies[index], timeout=30)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_deliveries_each_get_their_own_stored_row(app):
    batches: list[int] = []

    def store(connection, bodies):
        batches.append(len(bodies))
        return receiver.store_batch(connection, bodies)

    bodies = [f'{{"n": {i}}}'.encode() for i in range(40)]
    ids = submit_together(GroupCommitter(app, store), bodies)

    stored = {row.id: row.body for row in db.session.scalars(select(WebhookEvent))}
    assert sorted(ids) == sorted(stored)
    assert [stored[event_id] for event_id in ids] == bodies  # each caller got its own row
    assert sum(batches) == 40


def test_a_failed_batch_fails_every_caller_and_the_next_one_works(app):
    calls = []

    def store(connection, bodies):
        calls.append(bodies)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return receiver.store_batch(connection, bodies)

    committer = GroupCommitter(app, store)
    with pytest.raises(RuntimeError, match="went away"):
        committer.submit(b'{"n": 1}')
    assert db.session.scalars(select(WebhookEvent)).all() == []
    event_id = committer.submit(b'{"n": 2}')
    assert db.session.get(WebhookEvent, event_id).body == b'{"n": 2}'


def test_a_delivery_without_a_length_is_handled_by_flask(client):
    body = b'{"object":"page","entry":[]}'
    response = client.post(
        "/webhooks/messenger",
        input_stream=io.BytesIO(body),  # no Content-Length, as a chunked request arrives
        headers={"X-Hub-Signature-256": signature(body)},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 200
    assert db.session.scalars(select(WebhookEvent)).one().body == body
