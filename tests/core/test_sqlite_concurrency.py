"""SQLite shared by several processes: reads hold no lock, writes wait for each other."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.models import Workspace
from app.extensions import db

INCREMENT = "UPDATE workspaces SET timezone = CAST(timezone AS INTEGER) + 1 WHERE id = :id"


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking behaviour")


def test_an_open_read_does_not_block_another_writer(sqlite_only):
    with Session(db.engine) as reader, Session(db.engine) as writer:
        assert reader.scalars(select(Workspace)).all() == []  # the reader's session stays open
        writer.add(Workspace(name="Written while someone reads"))
        writer.commit()  # would wait 30 s for the reader's lock under BEGIN IMMEDIATE reads
        assert [w.name for w in reader.scalars(select(Workspace))] == [
            "Written while someone reads"
        ]


def test_a_rolled_back_write_leaves_nothing(sqlite_only):
    with Session(db.engine) as session:
        session.add(Workspace(name="Gone"))
        session.flush()
        session.rollback()
    assert db.session.scalars(select(Workspace)).all() == []


def test_concurrent_read_then_write_transactions_both_succeed(sqlite_only):
    db.session.add(Workspace(name="Counter", timezone="0"))
    db.session.commit()
    errors: list[Exception] = []
    engine = db.engine

    def bump() -> None:
        try:
            for _ in range(20):
                with Session(engine) as session:
                    workspace = session.scalars(select(Workspace)).one()
                    session.execute(
                        text(INCREMENT),
                        {"id": workspace.id},
                    )
                    session.commit()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.scalars(select(Workspace.timezone)).one() == "80"
