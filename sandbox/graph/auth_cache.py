"""A process-wide cache of resolved tokens, dropped whenever auth-relevant rows change.

Resolving a token costs several queries (token, app, grant, Page role); most calls reuse a token.
Any flush or bulk statement touching apps, app-scoped ids, grants, Page roles or existing tokens
marks the session, and its commit clears the cache. Each transaction records the cache generation
when it begins (before its snapshot), and a resolution is cached only if no commit cleared the cache
since, so a reader working from an older snapshot never caches stale state.
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from sandbox.graph.auth import AuthContext
from sandbox.models import App, AppScopedUser, Grant, PageRole, Token

AUTH_MODELS = (App, AppScopedUser, Grant, PageRole, Token)
DIRTY_KEY = "auth_dirty"
GENERATION_KEY = "auth_generation"
MAX_ENTRIES = 10000


class AuthCache:
    """Token string -> AuthContext, valid until the next auth-relevant commit."""

    def __init__(self) -> None:
        self._entries: dict[str, AuthContext] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Return the number of times the cache has been cleared."""
        return self._generation

    def get(self, token: str) -> AuthContext | None:
        """Return the cached context of a token, if any."""
        return self._entries.get(token)

    def put(self, token: str, auth: AuthContext, generation: int) -> None:
        """Cache a resolution made in a transaction that began at ``generation``."""
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[token] = auth

    def clear(self) -> None:
        """Drop everything (auth-relevant state changed)."""
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def watch(self, factory: sessionmaker[Session]) -> None:
        """Hook the session factory so auth-relevant commits clear the cache."""
        event.listen(factory, "after_begin", self._on_begin)
        event.listen(factory, "after_flush", self._on_flush)
        event.listen(factory, "do_orm_execute", self._on_execute)
        event.listen(factory, "after_commit", self._on_commit)
        event.listen(factory, "after_rollback", self._on_rollback)

    def _on_begin(self, session: Session, _transaction: Any, _connection: Any) -> None:
        session.info[GENERATION_KEY] = self._generation

    @staticmethod
    def _on_flush(session: Session, _context: Any) -> None:
        for obj in chain(session.dirty, session.deleted):
            if isinstance(obj, AUTH_MODELS):
                session.info[DIRTY_KEY] = True
                return
        # A new token changes nothing cached; a new grant, role or app can.
        if any(isinstance(obj, AUTH_MODELS) and not isinstance(obj, Token) for obj in session.new):
            session.info[DIRTY_KEY] = True

    @staticmethod
    def _on_execute(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete):
            return
        mapper = state.bind_mapper
        if mapper is None or mapper.class_ in AUTH_MODELS:
            state.session.info[DIRTY_KEY] = True

    def _on_commit(self, session: Session) -> None:
        if session.info.pop(DIRTY_KEY, False):
            self.clear()

    @staticmethod
    def _on_rollback(session: Session) -> None:
        session.info.pop(DIRTY_KEY, None)
