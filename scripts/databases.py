"""Throwaway PostgreSQL databases for the test suite and the benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "herald_test") -> Iterator[str]:
    """Create an empty database on the server at `server_url`; yield its URL; drop it after.

    `server_url` names any database the user may connect to (e.g. .../postgres); the new one
    sits next to it, so nothing already on the server is touched.
    """
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base.removeprefix('postgresql://')}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
