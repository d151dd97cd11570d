"""The sandbox's process-wide state: database, settings, clock and the in-memory meters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from sandbox.calllog import LogBuffer
from sandbox.clock import Clock, now_ms
from sandbox.db import Database
from sandbox.graph.auth_cache import AuthCache
from sandbox.limits import SendRateLimiter, UsageMeter
from sandbox.models import Setting, WebhookEvent
from sandbox.services.faults import FaultBook
from sandbox.settings import Settings

if TYPE_CHECKING:
    from sandbox.graph.engine import GraphEngine
    from sandbox.graph.router import GraphRouter
    from sandbox.webhooks.dispatcher import Dispatcher

SETTINGS_KEY = "settings"


class Sandbox:
    """Everything a request, the dispatcher or a test needs, reachable from one object."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.logs = LogBuffer()
        self.limiter = SendRateLimiter(clock)
        self.conversations_limiter = SendRateLimiter(clock)  # the Conversations API's 2 calls/s
        self.usage = UsageMeter(clock)
        self.faults = FaultBook()
        self.auth_cache = AuthCache()
        self.auth_cache.watch(db.factory)
        # Wired by the app factory, which owns the order of construction.
        self.router: GraphRouter
        self.engine: GraphEngine
        self.dispatcher: Dispatcher

    def now_ms(self) -> int:
        """Return the sandbox clock's time in epoch milliseconds."""
        return now_ms(self.clock)

    def load_state(self) -> None:
        """Read persisted settings and active faults; requeue deliveries cut off by a stop."""
        with self.db.write() as session:
            session.execute(
                update(WebhookEvent).where(WebhookEvent.state == "inflight").values(state="pending")
            )
        with self.db.read() as session:
            row = session.get(Setting, SETTINGS_KEY)
            if row is not None and isinstance(row.value, dict):
                self.settings.load(row.value)
            self.faults.load(session)

    def save_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Validate, apply and persist setting changes; return every current value."""
        clean = self.settings.update(changes)
        with self.db.write() as session:
            stored = session.get(Setting, SETTINGS_KEY)
            current = dict(stored.value) if stored is not None else {}
            current.update(clean)
            if stored is None:
                session.add(Setting(key=SETTINGS_KEY, value=current))
            else:
                stored.value = current
        return self.settings.as_dict()

    def flush_logs(self) -> None:
        """Write the buffered call and violation logs to the database."""
        if not self.logs.pending():
            return
        with self.db.write() as session:
            self.logs.flush(session)

    def clear_memory(self) -> None:
        """Forget in-memory meters, logs and faults (after a reset)."""
        self.logs.clear()
        self.limiter.clear()
        self.conversations_limiter.clear()
        self.usage.clear()
        self.faults.clear()
        self.auth_cache.clear()
        self.settings.reset()

    def stored_value(self, key: str) -> Any:
        """Return an internal persisted value (e.g. the dialog's session secret)."""
        with self.db.read() as session:
            return session.scalar(select(Setting.value).where(Setting.key == key))
