"""Group commit for webhook deliveries: many requests, one transaction, one Redis round trip.

Under load, storing each delivery in its own transaction makes every request wait for the
database's lock and flush (on SQLite, one writer at a time for the whole file). Instead, request
threads hand their bodies to one writer thread per process and wait. The writer takes everything
waiting, inserts it in one statement, commits once, signals the workers once, then wakes each
request with its row id. Nothing is acknowledged before it is committed; a failed batch fails
every request in it (Facebook delivers them again).

Batches form by themselves: while the writer commits one, the next requests queue up. At low load
a batch is one delivery and costs what a direct insert does.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from flask import Flask
from sqlalchemy import Connection

from app.extensions import db

log = logging.getLogger(__name__)

MAX_BATCH = 500  # rows per statement: large enough for any burst, small enough for one packet
WAIT_SECONDS = 30.0  # a request gives up (and Facebook retries) if its batch takes longer

StoreBatch = Callable[[Connection, list[bytes]], list[int]]


class GroupCommitter:
    """One writer thread of one process, storing what request threads submit."""

    def __init__(self, app: Flask, store: StoreBatch, max_batch: int = MAX_BATCH) -> None:
        self._app = app
        self._store = store
        self._max_batch = max_batch
        self._waiting: queue.SimpleQueue[tuple[bytes, Future[int]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None
        # The writer keeps one connection: no pool checkout (and liveness ping) per batch.
        self._connection: Connection | None = None

    def submit(self, body: bytes, timeout: float = WAIT_SECONDS) -> int:
        """Store `body` with whatever else is waiting; its row id once committed.

        Raises what storing raised (the request then fails and Facebook retries it), or
        TimeoutError when the batch takes longer than `timeout`.
        """
        self._ensure_writer()
        result: Future[int] = Future()
        self._waiting.put((body, result))
        return result.result(timeout=timeout)

    def _ensure_writer(self) -> None:
        # A forked process (gunicorn worker) inherits the object but not the thread: start anew.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                thread = threading.Thread(target=self._run, name="webhook-writer", daemon=True)
                thread.start()
                self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[bytes, Future[int]]]) -> None:
        try:
            with self._app.app_context():
                if self._connection is None:
                    self._connection = db.engine.connect()
                ids = self._store(self._connection, [body for body, _result in batch])
        except Exception as exc:  # every waiting request answers 500; nothing was acknowledged
            log.exception("storing %d webhook deliveries failed", len(batch))
            self._drop_connection()  # the next batch starts on a fresh one
            for _body, result in batch:
                result.set_exception(exc)
            return
        for (_body, result), event_id in zip(batch, ids, strict=True):
            result.set_result(event_id)

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception:  # already broken: nothing more to release
                log.debug("closing a failed webhook writer connection failed", exc_info=True)


def committer_for(app: Flask, store: StoreBatch) -> GroupCommitter:
    """The app's committer (one per app and process), created on first use."""
    committer = app.extensions.get("herald.webhook_committer")
    if committer is None:
        committer = app.extensions.setdefault(
            "herald.webhook_committer", GroupCommitter(app, store)
        )
    return committer
