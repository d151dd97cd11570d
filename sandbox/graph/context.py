"""The per-call context handed to Graph handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from sandbox import errors
from sandbox.clock import now_ms
from sandbox.errors import GraphError
from sandbox.graph.auth import AuthContext, resolve_token
from sandbox.graph.request import GraphRequest

if TYPE_CHECKING:
    from sandbox.db import UnitOfWork
    from sandbox.runtime import Sandbox


@dataclass
class RequestShared:
    """State shared by every operation of one HTTP request (a batch's operations share it)."""

    auth: dict[str, AuthContext | GraphError] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # handler caches, e.g. subscriptions
    notify_dispatcher: bool = False
    hold_seconds: float = 0.0
    # The session's identity map holds rows weakly; keeping the rows a request looked up alive
    # lets the next batch operation find them without a query.
    pinned: list[Any] = field(default_factory=list)


class CallContext:
    """What a handler sees: the request, the unit of work, the caller's auth and log details.

    Handlers must raise :class:`GraphError` only before their first write: a batch shares one
    transaction, so a refused operation must leave nothing behind.
    """

    def __init__(
        self, sandbox: Sandbox, uow: UnitOfWork, request: GraphRequest, shared: RequestShared
    ) -> None:
        self.sandbox = sandbox
        self.uow = uow
        self.request = request
        self.shared = shared
        self.now_ms = now_ms(sandbox.clock)
        self.page_id: str | None = None  # the Page the call concerns, for logs and usage
        self.usage_type = "pages"  # BUC type: "messenger" for Send API calls
        self.violation: dict[str, Any] = {}  # recipient/messaging_type/tag of a refused send
        self._auth: AuthContext | None = None

    @property
    def session(self) -> Session:
        """Return the request's database session."""
        return self.uow.session

    @property
    def resolved_auth(self) -> AuthContext | None:
        """Return the auth context if it has been resolved successfully, else None."""
        return self._auth

    @property
    def auth(self) -> AuthContext:
        """Return the caller's auth context; raise 104/2500/190/100 as Graph would."""
        if self._auth is not None:
            return self._auth
        token = self.request.token
        if not token:
            is_me = bool(self.request.segments) and self.request.segments[0] == "me"
            raise errors.token_required(is_me)
        cached = self.shared.auth.get(token)
        if cached is None:
            cached = self._resolve(token)
            self.shared.auth[token] = cached
        if isinstance(cached, GraphError):
            raise cached
        proof = self.request.text("appsecret_proof")
        if proof is not None:
            cached.check_appsecret_proof(proof)
        self._auth = cached
        if cached.page_id and self.page_id is None:
            self.page_id = cached.page_id
        return cached

    def _resolve(self, token: str) -> AuthContext | GraphError:
        cache = self.sandbox.auth_cache
        known = cache.get(token)
        if known is not None:
            if known.expires_at and self.now_ms >= known.expires_at:
                return errors.expired_token(known.expires_at, self.now_ms)
            return known
        session = self.session
        session.connection()  # begin the transaction, recording the cache generation
        generation = session.info.get("auth_generation", -1)
        try:
            resolved = resolve_token(session, token, self.now_ms)
        except GraphError as exc:
            return exc
        cache.put(token, resolved, generation)
        return resolved

    def try_auth(self) -> AuthContext | None:
        """Return the auth context, or None when the token is missing or invalid."""
        try:
            return self.auth
        except GraphError:
            return None

    def writable(self) -> Session:
        """Upgrade to a write transaction (a no-op for POST/DELETE, which start as writes)."""
        if not self.uow.locked:
            self.shared.auth.clear()  # re-read after the snapshot changes
            self._auth = None
            self.uow.ensure_writable()
        return self.uow.session
