"""SQLite engine, sessions and the write discipline.

SQLite allows one writer at a time. Rather than let threads collide inside SQLite (whose busy
handler sleeps in coarse steps), every write transaction in this process first takes
``Database.write_lock``.
A request starts as a read (a WAL snapshot) and upgrades with :meth:`UnitOfWork.ensure_writable`,
which ends the snapshot before taking the lock, so a writer never works on a stale snapshot.
A ``before_flush`` guard makes a write without the lock fail loudly instead of racing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from sandbox.models import Base

LOCK_TIMEOUT_SECONDS = 60.0


class WriteLockTimeout(RuntimeError):
    """The write lock could not be taken (a sign of a lock held across slow I/O)."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (also makes SAVEPOINT
        # work), then turn on WAL so readers never block the writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def _guard_writes(session: Session, _context: Any, _instances: Any) -> None:
    if (session.new or session.dirty or session.deleted) and not session.info.get("writable"):
        raise RuntimeError("sandbox bug: database write without the write lock")


class Database:
    """The sandbox's SQLite file: engine, a thread-scoped session and the process write lock."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=-1,
        )
        _configure_sqlite(self.engine)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.factory, "before_flush", _guard_writes)
        self.session = scoped_session(self.factory)
        self.write_lock = threading.Lock()

    def create_all(self) -> None:
        """Create missing tables."""
        Base.metadata.create_all(self.engine)

    def acquire_write_lock(self) -> None:
        """Take the process write lock or fail after LOCK_TIMEOUT_SECONDS."""
        if not self.write_lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
            raise WriteLockTimeout("timed out waiting for the sandbox write lock")

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a fresh session inside the write lock; commit on success, roll back on error.

        For background work (the dispatcher) and anything outside a request's UnitOfWork.
        """
        self.acquire_write_lock()
        session = self.factory()
        session.info["writable"] = True
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            self.write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a fresh read-only session (a WAL snapshot)."""
        session = self.factory()
        try:
            yield session
        finally:
            # close() ends the snapshot and detaches rows without expiring what was loaded.
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (the file stays)."""
        self.session.remove()
        self.engine.dispose()


class UnitOfWork:
    """One request's transaction on the thread's scoped session."""

    def __init__(self, db: Database, *, write: bool) -> None:
        self.db = db
        self.session: Session = db.session()
        self.locked = False
        if write:
            self.ensure_writable()

    def ensure_writable(self) -> None:
        """Upgrade to a write transaction: end the read snapshot, then take the write lock."""
        if self.locked:
            return
        self.session.rollback()
        self.db.acquire_write_lock()
        self.locked = True
        self.session.info["writable"] = True

    def commit(self) -> None:
        """Commit what was done so far (the lock, if held, stays held)."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard what was done so far."""
        self.session.rollback()

    @contextmanager
    def unlocked(self) -> Iterator[None]:
        """Commit and release the lock around slow I/O (an HTTP call), then take it back."""
        was_locked = self.locked
        self.commit()
        self._release()
        try:
            yield
        finally:
            if was_locked:
                self.ensure_writable()

    def close(self) -> None:
        """Roll back anything uncommitted, release the lock and drop the thread's session."""
        try:
            self.session.rollback()
        finally:
            self._release()
            self.db.session.remove()

    def _release(self) -> None:
        if self.locked:
            self.session.info["writable"] = False
            self.locked = False
            self.db.write_lock.release()
