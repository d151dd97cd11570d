"""Flask extensions, created unbound and initialised by `create_app`."""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic batch migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Herald model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(get_remote_address, key_prefix="herald-limits", headers_enabled=True)


def limits_storage_uri(redis_url: str) -> str:
    """The `limits` library's spelling of a Redis URL (it names unix sockets differently)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


class RedisClient:
    """One `redis.Redis` per app, built lazily from `REDIS_URL` (no connection at import)."""

    def init_app(self, app: Flask) -> None:
        """Create the client for `app`; connections are opened on first use."""
        app.extensions["redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=10, socket_connect_timeout=3
        )

    @property
    def client(self) -> redis.Redis:
        """The current app's Redis client."""
        return current_app.extensions["redis"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


redis_client = RedisClient()


# Statements that change the database; on SQLite they open a write transaction first.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP", "SAVEPOINT")


def configure_sqlite(engine: Engine) -> None:
    """Make a SQLite engine safe for web, worker and scheduler processes sharing one file.

    WAL lets readers run beside a writer; the busy timeout makes a writer wait for the lock.
    Reads run in autocommit, so they never hold a lock; the first write of a transaction begins
    it IMMEDIATE, taking the write lock up front. (A deferred transaction that reads, then writes
    fails at once with SQLITE_BUSY when another process committed in between.) This is how
    PostgreSQL's default READ COMMITTED behaves too: each read sees the latest committed data.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit; we BEGIN on the first write
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_on_first_write(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection.in_transaction:
            return
        keyword = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if keyword in _WRITES:
            cursor.execute("BEGIN IMMEDIATE")
