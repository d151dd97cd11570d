"""Webhook endpoint health: failing apps are unsubscribed from their Pages, as Meta does.

Each delivery round counts per app: a round with a delivered POST resets the count, a round in
which every POST failed adds one. Past ``webhook_disable_after`` failed rounds in a row, or
``webhook_disable_period`` seconds of failures, the app loses its Page subscriptions and its
queued events are dropped, as when Facebook shows "Webhooks Disabled". Subscribing a Page again
starts a fresh count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.models import PageSubscription, WebhookEvent, WebhookHealth
from sandbox.settings import Settings


def _row(session: Session, app_id: str) -> WebhookHealth:
    row = session.get(WebhookHealth, app_id)
    if row is None:
        row = WebhookHealth(app_id=app_id, consecutive_failures=0, disabled_page_ids=[])
        session.add(row)
    return row


def record_round(
    session: Session, app_id: str, *, delivered: bool, result: str, now: int, settings: Settings
) -> bool:
    """Count one delivery round of the app; return whether the app was just unsubscribed."""
    row = _row(session, app_id)
    row.last_result, row.last_attempt_at = result, now
    if delivered:
        row.consecutive_failures, row.failing_since = 0, None
        return False
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    row.failing_since = row.failing_since or now
    limit, period = settings["webhook_disable_after"], settings["webhook_disable_period"]
    if limit and row.consecutive_failures >= limit:
        rounds = "round" if row.consecutive_failures == 1 else "rounds"
        reason = f"{row.consecutive_failures} delivery {rounds} failed in a row"
    elif period and now - row.failing_since >= period * 1000:
        reason = f"deliveries failed for {(now - row.failing_since) // 1000} seconds"
    else:
        return False
    _disable(session, row, now, reason)
    return True


def _disable(session: Session, row: WebhookHealth, now: int, reason: str) -> None:
    subscriptions = session.scalars(
        select(PageSubscription).where(PageSubscription.app_id == row.app_id)
    ).all()
    row.disabled_page_ids = sorted(s.page_id for s in subscriptions)
    for subscription in subscriptions:
        session.delete(subscription)
    session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.app_id == row.app_id,
            WebhookEvent.kind == "page",
            WebhookEvent.state.in_(("pending", "inflight")),
        )
        .values(state="given_up", last_result="webhooks_disabled")
    )
    row.disabled_at, row.disabled_reason = now, reason
    row.consecutive_failures, row.failing_since = 0, None


def reset(session: Session, app_id: str) -> None:
    """Start afresh: the app subscribed a Page again."""
    row = session.get(WebhookHealth, app_id)
    if row is not None:
        row.consecutive_failures, row.failing_since = 0, None
        row.disabled_at, row.disabled_reason, row.disabled_page_ids = None, None, []


def health_json(row: WebhookHealth | None) -> dict[str, Any]:
    """Return an app's webhook health as the control API shows it."""
    if row is None:
        return {"state": "ok", "consecutive_failures": 0}
    state = "failing" if row.consecutive_failures else "disabled" if row.disabled_at else "ok"
    return {
        "state": state,
        "consecutive_failures": row.consecutive_failures,
        "failing_since": row.failing_since,
        "last_result": row.last_result,
        "last_attempt_at": row.last_attempt_at,
        "disabled_at": row.disabled_at,
        "disabled_reason": row.disabled_reason,
        "disabled_page_ids": row.disabled_page_ids,
    }
