"""The storage layer: WAL mode, the write lock discipline, and the auth cache's invalidation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sandbox.db import Database, UnitOfWork
from sandbox.models import User
from sandbox.tests.conftest import World, control, graph


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    db = Database(str(tmp_path / "wal.db"))
    db.create_all()
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    db.dispose()


def test_a_write_without_the_write_lock_is_refused(tmp_path):
    db = Database(str(tmp_path / "guard.db"))
    db.create_all()
    uow = UnitOfWork(db, write=False)
    uow.session.add(User(id="1", name="X", created_at=0))
    with pytest.raises(RuntimeError, match="without the write lock"):
        uow.session.flush()
    uow.close()
    upgraded = UnitOfWork(db, write=False)
    upgraded.ensure_writable()
    upgraded.session.add(User(id="1", name="X", created_at=0))
    upgraded.commit()
    upgraded.close()
    assert not db.write_lock.locked()
    with db.read() as session:
        assert session.get(User, "1") is not None
    db.dispose()


def test_auth_cache_is_cleared_by_an_auth_relevant_commit(client, world: World, sb):
    graph(client, "GET", "/me", world.page_token)
    assert sb.auth_cache.get(world.page_token) is not None
    control(client, "people", {"first_name": "Unrelated"})
    assert sb.auth_cache.get(world.page_token) is not None
    control(client, "faults", {"kind": "token_invalid", "page_id": world.page_id})
    assert sb.auth_cache.get(world.page_token) is None
    assert graph(client, "GET", "/me", world.page_token).get_json()["error"]["error_subcode"] == 460
