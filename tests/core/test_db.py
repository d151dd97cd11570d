"""Timestamps are stored and returned in UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.db import insert_ignore, parse_id, utcnow
from app.core.models import Workspace
from app.extensions import db
from tests.factories import UserFactory


def test_aware_times_come_back_aware_and_in_utc(app):
    user = UserFactory()
    paris = timezone(timedelta(hours=1))
    user.last_login_at = datetime(2026, 3, 1, 13, 30, tzinfo=paris)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(type(user), user.id)
    assert loaded.last_login_at == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert loaded.last_login_at.tzinfo is UTC
    assert loaded.created_at.tzinfo is UTC


def test_naive_times_are_refused(app):
    workspace = Workspace(name="Acme", created_at=datetime(2026, 1, 1))
    db.session.add(workspace)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_updated_at_moves_on_update(app):
    user = UserFactory()
    before = user.updated_at
    user.name = "Renamed"
    db.session.commit()
    assert user.updated_at >= before
    assert utcnow() >= user.updated_at


def test_insert_ignore_says_whether_it_inserted(app):
    row = {"name": "Acme", "timezone": "UTC", "settings": {}}
    row |= {"created_at": utcnow(), "updated_at": utcnow()}
    assert insert_ignore(Workspace.__table__, {"id": 77, **row}, ["id"]) is True
    assert insert_ignore(Workspace.__table__, {"id": 77, **row, "name": "Other"}, ["id"]) is False
    db.session.commit()
    assert db.session.get(Workspace, 77).name == "Acme"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        (7, 7),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),  # past PostgreSQL's integer: names no row
        ("99999999999999999999", None),
        ("0", None),
        ("-3", None),
        ("²", None),  # a digit to str.isdigit, not to int()
        ("٣", None),
        ("", None),
        (None, None),
        ("12abc", None),
    ],
)
def test_parse_id_takes_only_ids_a_row_can_have(raw, expected):
    assert parse_id(raw) == expected
