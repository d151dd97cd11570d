"""Injected faults.

Call faults (rate_limit, server_error, timeout) hit the next ``count`` matching Graph calls;
duplicate_delivery hits the next ``count`` webhook POSTs. They are mirrored in memory so the common
case, no fault at all, costs one attribute read per call. State faults (token_invalid,
permission_revoked) change tokens or grants at once and are recorded for the history.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.models import Fault, Grant, PageRole
from sandbox.services import tokens

CALL_FAULTS = frozenset({"rate_limit", "server_error", "timeout"})
DELIVERY_FAULTS = frozenset({"duplicate_delivery"})
STATE_FAULTS = frozenset({"token_invalid", "permission_revoked"})
FAULT_KINDS = CALL_FAULTS | DELIVERY_FAULTS | STATE_FAULTS


@dataclass
class _Active:
    id: int
    kind: str
    page_id: str | None
    remaining: int


class FaultBook:
    """The active counted faults, mirrored from the ``faults`` table."""

    def __init__(self) -> None:
        self._active: list[_Active] = []
        self._lock = threading.Lock()

    def load(self, session: Session) -> None:
        """Read the active counted faults from the database."""
        rows = session.scalars(select(Fault).where(Fault.remaining > 0).order_by(Fault.id))
        with self._lock:
            self._active = [_Active(r.id, r.kind, r.page_id, r.remaining) for r in rows]

    def clear(self) -> None:
        """Forget every fault (on reset)."""
        with self._lock:
            self._active = []

    @property
    def any_call_fault(self) -> bool:
        """Return whether some call fault is active (cheap pre-check)."""
        return any(f.kind in CALL_FAULTS for f in self._active)

    @property
    def any_delivery_fault(self) -> bool:
        """Return whether a duplicate_delivery fault is active (cheap pre-check)."""
        return any(f.kind in DELIVERY_FAULTS for f in self._active)

    def matches_call(self, page_id: str | None) -> bool:
        """Return whether a call concerning ``page_id`` would hit an active call fault."""
        with self._lock:
            return self._find(CALL_FAULTS, page_id) is not None

    def take_call_fault(self, session: Session, page_id: str | None) -> str | None:
        """Consume one matching call fault and return its kind (caller holds the write lock)."""
        return self._take(session, CALL_FAULTS, page_id)

    def take_duplicate_delivery(self, session: Session) -> bool:
        """Consume one duplicate_delivery fault; return whether one was active."""
        return self._take(session, DELIVERY_FAULTS, None) is not None

    def add(self, session: Session, fault: Fault) -> None:
        """Record a new counted fault (after it has been flushed and has an id)."""
        with self._lock:
            self._active.append(_Active(fault.id, fault.kind, fault.page_id, fault.remaining))

    def _find(self, kinds: frozenset[str], page_id: str | None) -> _Active | None:
        for fault in self._active:
            if fault.kind in kinds and fault.page_id in (None, page_id):
                return fault
        return None

    def _take(self, session: Session, kinds: frozenset[str], page_id: str | None) -> str | None:
        with self._lock:
            fault = self._find(kinds, page_id)
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._active.remove(fault)
        session.execute(update(Fault).where(Fault.id == fault.id).values(remaining=fault.remaining))
        return fault.kind


def invalidate_page_tokens(session: Session, page_id: str) -> None:
    """token_invalid: the Page's tokens and its admins' tokens die with 190/460."""
    admins = session.scalars(select(PageRole.user_id).where(PageRole.page_id == page_id)).all()
    tokens.invalidate_tokens(
        session, subcode=460, reason="password changed", user_ids=admins, page_id=page_id
    )


def revoke_page_permission(session: Session, page_id: str, permission: str, now: int) -> int:
    """permission_revoked: the permission becomes declined on every grant of the Page's admins."""
    admins = session.scalars(select(PageRole.user_id).where(PageRole.page_id == page_id)).all()
    changed = 0
    for grant in session.scalars(select(Grant).where(Grant.user_id.in_(admins))):
        if grant.permissions.get(permission) == "granted":
            grant.permissions = {**grant.permissions, permission: "declined"}
            grant.updated_at = now
            changed += 1
    return changed
