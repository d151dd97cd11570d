"""A cheap, thread-safe buffer for the call log and the violation log.

Appending is a list append under a lock, so logging adds no database write to a call. Rows reach
the ``calls`` and ``violations`` tables in bulk: from a writing request once enough have piled up,
on each dispatcher tick, before the control API reads the logs, and at shutdown.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from sandbox.models import CallRecord, Violation

FLUSH_THRESHOLD = 500
CALL_FIELDS = (
    "method",
    "path",
    "status",
    "error_code",
    "error_subcode",
    "page_id",
    "app_id",
    "batch",
    "created_at",
    "duration_ms",
)
VIOLATION_FIELDS = (
    "rule",
    "page_id",
    "recipient",
    "messaging_type",
    "tag",
    "code",
    "subcode",
    "message",
    "created_at",
)


class LogBuffer:
    """Pending call and violation rows, written to the database in bulk by :meth:`flush`."""

    def __init__(self) -> None:
        self._calls: list[dict[str, Any]] = []
        self._violations: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def call(self, **row: Any) -> None:
        """Buffer one call record (keys of CALL_FIELDS)."""
        with self._lock:
            self._calls.append(row)

    def violation(self, **row: Any) -> None:
        """Buffer one violation record (keys of VIOLATION_FIELDS)."""
        with self._lock:
            self._violations.append(row)

    def pending(self) -> bool:
        """Return whether anything awaits a flush."""
        return bool(self._calls or self._violations)

    def large(self) -> bool:
        """Return whether enough has piled up to be worth writing now."""
        return len(self._calls) + len(self._violations) >= FLUSH_THRESHOLD

    def clear(self) -> None:
        """Drop everything buffered (on reset)."""
        with self._lock:
            self._calls, self._violations = [], []

    def flush(self, session: Session) -> int:
        """Insert buffered rows through ``session`` (which must hold the write lock)."""
        with self._lock:
            calls, self._calls = self._calls, []
            violations, self._violations = self._violations, []
        # Core inserts on the table: the ORM's bulk machinery costs more than the rows.
        connection = session.connection()
        if calls:
            connection.execute(insert(CallRecord.__table__), calls)
        if violations:
            connection.execute(insert(Violation.__table__), violations)
        return len(calls) + len(violations)
