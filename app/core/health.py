"""Liveness of the stores Herald cannot work without, for `/healthz` and the status page."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from app.extensions import db, redis_client


@dataclass(frozen=True)
class Check:
    """The result of probing one dependency."""

    name: str
    ok: bool
    detail: str
    millis: float


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # any failure means "down"; the class name says why
        detail, ok = f"{type(exc).__name__}: {exc}".splitlines()[0][:200], False
    return Check(name, ok, detail, round((time.perf_counter() - started) * 1000, 1))


def check_database() -> Check:
    """Run a trivial query on the database."""

    def probe() -> str:
        try:
            db.session.execute(text("SELECT 1")).scalar_one()
            return db.engine.dialect.name
        finally:
            db.session.rollback()

    return _timed("database", probe)


def check_redis() -> Check:
    """PING Redis."""

    def probe() -> str:
        redis_client.client.ping()
        return "PONG"

    return _timed("redis", probe)


def check_all() -> list[Check]:
    """Every store `/healthz` reports."""
    return [check_database(), check_redis()]
