"""What each answer of a Graph batch means for its recipient, recorded in one transaction.

Sent: the message id is kept. Unreachable (551, 2018108, 2018001): failed, and the subscriber is
marked unreachable. Rate limited, token invalid, or a temporary failure that cannot have been
delivered: back to pending, never lost. No answer at all (a null entry, a timeout): uncertain,
never sent again. Updates only touch rows still claimed by this batch.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, case, func, or_, select, update

from app.broadcasts.batches import Batch, Item, forget_messages
from app.broadcasts.models import BroadcastRecipient, RecipientStatus
from app.core.db import to_epoch_ms, utcnow
from app.core.graph import (
    BatchResult,
    GraphError,
    OutsideWindow,
    PermissionDenied,
    RateLimited,
    RecipientUnavailable,
    TokenInvalid,
    TransientError,
)
from app.core.messages.log import apply_known_watermarks
from app.core.messages.models import Message, MessageStatus
from app.core.subscribers import bulk, store
from app.core.subscribers.importer import queue_window_refresh
from app.core.subscribers.models import Subscriber
from app.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # temporary failures of one recipient before it counts as failed
UNCERTAIN_DETAIL = (
    "No answer came back from Facebook; it may have arrived, so it is not sent again."
)
RT = BroadcastRecipient.__table__
MT = Message.__table__
CLAIMED = [RecipientStatus.SENDING.value, RecipientStatus.UNCERTAIN.value]


class Kind(enum.Enum):
    """What happened to one message of a batch."""

    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    RETRY = "retry"


@dataclass(frozen=True)
class Outcome:
    """One message's fate; `error` is Graph's when there was one."""

    kind: Kind
    mid: str | None = None
    reason: str | None = None
    error: GraphError | None = None
    counts_attempt: bool = False


@dataclass
class Effects:
    """What the batch says about the Page and the pace (acted on after the commit)."""

    retry_after: float = 0.0
    token_error: TokenInvalid | None = None
    permission_error: PermissionDenied | None = None
    counts: dict[Kind, int] = field(default_factory=dict)


def _failed(reason: str, error: GraphError) -> Outcome:
    return Outcome(Kind.FAILED, reason=reason, error=error)


def of_error(item: Item, error: GraphError, *, answered: bool) -> Outcome:
    """The outcome of a Graph error for one message (`answered`: Graph replied for it)."""
    if isinstance(error, RateLimited | TokenInvalid | PermissionDenied):
        # About the Page, not the person: they wait for the Page to send again.
        return Outcome(Kind.RETRY, error=error)
    if isinstance(error, RecipientUnavailable):
        return _failed("unreachable", error)
    if isinstance(error, OutsideWindow):
        log.error(
            "policy allowed a broadcast send Facebook refused as outside the window: %s", error
        )
        return _failed("outside_window", error)
    if isinstance(error, TransientError):
        if error.maybe_delivered or not answered:
            return Outcome(Kind.UNCERTAIN, error=error)
        if item.attempts + 1 < MAX_ATTEMPTS:
            return Outcome(Kind.RETRY, error=error, counts_attempt=True)
    return _failed("error", error)


def of_result(item: Item, result: BatchResult) -> Outcome:
    """The outcome of one operation's answer."""
    if result.ok:
        data = result.data if isinstance(result.data, dict) else {}
        return Outcome(Kind.SENT, mid=data.get("message_id"))
    error = result.error or GraphError("batch send did not succeed", http_status=result.status)
    return of_error(item, error, answered=result.status is not None)


def _recipients(batch: Batch, rows: list[dict], **values: object) -> None:
    """Update this batch's still-claimed rows (`rid` in each row names it; bind the rest)."""
    if rows:
        db.session.execute(
            update(RT)
            .where(
                RT.c.id == bindparam("rid"),
                RT.c.batch_key == batch.key,
                # (executemany cannot expand an IN list)
                or_(*(RT.c.status == status for status in CLAIMED)),
            )
            .values(**values),
            rows,
        )


def _messages(rows: list[dict], **values: object) -> None:
    """Update outbound messages (`message` in each row names it; bind the rest)."""
    if rows:
        db.session.execute(update(MT).where(MT.c.id == bindparam("message")).values(**values), rows)


def _error_row(error: GraphError | None) -> dict[str, object]:
    return {
        "b_code": error.code if error else None,
        "b_subcode": error.subcode if error else None,
        "b_error": (error.message if error else "")[:300],
    }


ERROR_VALUES = {
    "error_code": bindparam("b_code"),
    "error_subcode": bindparam("b_subcode"),
}


def _record_sent(batch: Batch, pairs: list[tuple[Item, Outcome]], now: datetime) -> None:
    _recipients(
        batch,
        [{"rid": i.recipient_id} for i, _o in pairs],
        status=RecipientStatus.SENT.value,
        sent_at=now,
        reason=None,
        detail=None,
    )
    # A fast echo or delivery receipt may have moved the message on already: never move it back.
    _messages(
        [{"message": i.message_id, "b_mid": o.mid} for i, o in pairs],
        status=case(
            (MT.c.status == MessageStatus.UNCERTAIN.value, MessageStatus.SENT.value),
            else_=MT.c.status,
        ),
        mid=func.coalesce(MT.c.mid, bindparam("b_mid")),
        error=None,
        updated_at=now,
    )
    bulk.record_outbound_many([i.subscriber_id for i, _o in pairs], now)
    _apply_early_receipts(batch, pairs)


def _apply_early_receipts(batch: Batch, pairs: list[tuple[Item, Outcome]]) -> None:
    """A delivery or read receipt that overtook the answer found the message still in flight:
    apply it now (rarely any, so only those subscribers are loaded)."""
    sent_ms = to_epoch_ms(batch.sent_at)
    message_of = {item.subscriber_id: item.message_id for item, _o in pairs}
    overtaken = select(Subscriber).where(
        Subscriber.id.in_(list(message_of)),
        or_(Subscriber.delivered_watermark >= sent_ms, Subscriber.read_watermark >= sent_ms),
    )
    for subscriber in db.session.scalars(overtaken):
        apply_known_watermarks(message_of[subscriber.id], subscriber)


def _record_failed(batch: Batch, pairs: list[tuple[Item, Outcome]], now: datetime) -> None:
    rows = [
        {
            "rid": i.recipient_id,
            "message": i.message_id,
            "b_reason": o.reason,
            **_error_row(o.error),
        }
        for i, o in pairs
    ]
    _recipients(
        batch,
        rows,
        status=RecipientStatus.FAILED.value,
        reason=bindparam("b_reason"),
        detail=bindparam("b_error"),
        **ERROR_VALUES,
    )
    _messages(
        rows,
        status=MessageStatus.FAILED.value,
        error=bindparam("b_error"),
        updated_at=now,
        **ERROR_VALUES,
    )
    for item, outcome in pairs:
        if outcome.reason == "unreachable" and outcome.error is not None:
            store.mark_unreachable(item.subscriber_id, outcome.error.message)
        elif outcome.reason == "outside_window":
            # Herald's clock of the window was wrong: take Facebook's own record of it.
            queue_window_refresh(item.subscriber_id)


def _record_uncertain(batch: Batch, pairs: list[tuple[Item, Outcome]], now: datetime) -> None:
    rows = [{"rid": i.recipient_id, "message": i.message_id} for i, _o in pairs]
    _recipients(batch, rows, status=RecipientStatus.UNCERTAIN.value, detail=UNCERTAIN_DETAIL)
    _messages(rows, error=UNCERTAIN_DETAIL, updated_at=now)


def _record_retry(batch: Batch, pairs: list[tuple[Item, Outcome]]) -> None:
    _recipients(
        batch,
        [
            {"rid": i.recipient_id, "b_attempts": i.attempts + (1 if o.counts_attempt else 0)}
            for i, o in pairs
        ],
        status=RecipientStatus.PENDING.value,
        batch_key=None,
        claimed_at=None,
        message_id=None,
        attempts=bindparam("b_attempts"),
    )
    forget_messages([i.message_id for i, _o in pairs])  # never sent: a retry stores a new one


def record(batch: Batch, outcomes: list[Outcome]) -> Effects:
    """Store every outcome of a batch in one transaction and say what the caller must do next."""
    now = utcnow()
    groups: dict[Kind, list[tuple[Item, Outcome]]] = {kind: [] for kind in Kind}
    for item, outcome in zip(batch.items, outcomes, strict=True):
        groups[outcome.kind].append((item, outcome))
    if groups[Kind.SENT]:
        _record_sent(batch, groups[Kind.SENT], now)
    if groups[Kind.FAILED]:
        _record_failed(batch, groups[Kind.FAILED], now)
    if groups[Kind.UNCERTAIN]:
        _record_uncertain(batch, groups[Kind.UNCERTAIN], now)
    if groups[Kind.RETRY]:
        _record_retry(batch, groups[Kind.RETRY])
    db.session.commit()
    effects = Effects(counts={kind: len(pairs) for kind, pairs in groups.items()})
    for _item, outcome in groups[Kind.RETRY] + groups[Kind.FAILED]:
        if isinstance(outcome.error, RateLimited):
            effects.retry_after = max(effects.retry_after, outcome.error.retry_after)
        elif isinstance(outcome.error, TokenInvalid):
            effects.token_error = outcome.error
        elif isinstance(outcome.error, PermissionDenied):
            effects.permission_error = outcome.error
    return effects
