"""Column types and helpers every model uses."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table, bindparam
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.extensions import db

# Ids are PostgreSQL `integer`s: a larger number from a URL or a form can name no row.
MAX_ID = 2**31 - 1


def parse_id(value: object) -> int | None:
    """A row id from user input (form, query string, cookie): 1 to `MAX_ID`, else None.

    `str.isdigit` alone is not enough: it accepts digits `int` refuses ("²") and numbers that
    overflow PostgreSQL's integer, both of which would turn bad input into a server error.
    """
    text = "" if value is None else str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Herald stores and compares only UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite keeps no time zone, so values are normalised to UTC on the way in and marked UTC on
    the way out; PostgreSQL stores them as `timestamptz`. Naive datetimes are refused: they are
    always a bug in code that reasons about Messenger's windows.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        """Convert to UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use app.core.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    """`created_at` and `updated_at`, maintained by the database session."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def render_migration_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render Herald's column types as plain SQLAlchemy types in Alembic migrations.

    Migrations must not import application code, which changes over time.
    """
    if kind == "type":
        name = type(obj).__name__
        if name == "UTCDateTime":
            return "sa.DateTime(timezone=True)"
        if name == "EncryptedText":
            return "sa.Text()"
    return False


def insert_ignore(table: Table, values: dict[str, Any], conflict_columns: list[str]) -> bool:
    """INSERT a row unless one with the same `conflict_columns` exists; True when inserted.

    Check-then-insert races under concurrent webhook workers; this is atomic on both databases.
    """
    statement = _insert_ignore_statement(
        db.engine.dialect.name, table, tuple(sorted(values)), tuple(conflict_columns)
    )
    return db.session.execute(statement, values).first() is not None


@functools.lru_cache(maxsize=64)
def _insert_ignore_statement(
    dialect: str, table: Table, columns: tuple[str, ...], conflict_columns: tuple[str, ...]
) -> Any:
    # Built once per shape with the values as parameters, so SQLAlchemy compiles it only once.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return (
        insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        # psycopg reports no rowcount for this statement: ask for the new row's key instead.
        .returning(*table.primary_key.columns)
    )


def from_epoch_ms(value: int) -> datetime:
    """A Messenger timestamp (epoch milliseconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def to_epoch_ms(value: datetime) -> int:
    """An aware datetime as epoch milliseconds."""
    return int(value.timestamp() * 1000)
