"""Queueing webhook events for the apps subscribed to a field at both the app and the Page level."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.models import App, PageSubscription, WebhookEvent
from sandbox.webhooks import payloads

Memo = dict[Any, Any]


def subscribed_apps(session: Session, page_id: str, field: str, memo: Memo) -> list[str]:
    """Return the ids of apps with a callback subscribed to ``field`` for the Page (memoized)."""
    key = ("subscriptions", page_id)
    if key not in memo:
        # Subscription handlers flush their changes themselves; skipping autoflush here keeps
        # a send's inserts batched until commit.
        with session.no_autoflush:
            rows = session.execute(
                select(PageSubscription.app_id, PageSubscription.fields, App.subscribed_fields)
                .join(App, App.id == PageSubscription.app_id)
                .where(PageSubscription.page_id == page_id, App.callback_url.is_not(None))
                .order_by(PageSubscription.app_id)
            ).all()
        memo[key] = [
            (app_id, set(page_fields) & set(app_fields)) for app_id, page_fields, app_fields in rows
        ]
    return [app_id for app_id, fields in memo[key] if field in fields]


def forget_subscriptions(session: Session, memo: Memo, page_id: str | None = None) -> None:
    """Flush a subscription change and drop memoized subscriptions (one Page, or all)."""
    session.flush()
    for key in [k for k in memo if isinstance(k, tuple) and k[0] == "subscriptions"]:
        if page_id is None or key[1] == page_id:
            del memo[key]


def enqueue_page_event(
    session: Session,
    *,
    page_id: str,
    field: str,
    entry: dict[str, Any],
    now: int,
    memo: Memo,
    inflight: bool = False,
) -> list[WebhookEvent]:
    """Queue one entry for every app subscribed to ``field``; ``inflight`` for a sync delivery."""
    events = [
        WebhookEvent(
            app_id=app_id,
            page_id=page_id,
            kind="page",
            field=field,
            body=entry,
            created_at=now,
            available_at=now,
            attempts=0,
            state="inflight" if inflight else "pending",
        )
        for app_id in subscribed_apps(session, page_id, field, memo)
    ]
    session.add_all(events)
    return events


def enqueue_messaging(
    session: Session,
    *,
    page_id: str,
    kind: str,
    event: dict[str, Any],
    time_ms: int,
    memo: Memo,
    inflight: bool = False,
) -> list[WebhookEvent]:
    """Queue a messaging event (``kind`` is a key of ``payloads.MESSAGING_FIELDS``)."""
    return enqueue_page_event(
        session,
        page_id=page_id,
        field=payloads.MESSAGING_FIELDS[kind],
        entry=payloads.messaging_entry(page_id, time_ms, event),
        now=time_ms,
        memo=memo,
        inflight=inflight,
    )


def enqueue_feed(
    session: Session,
    *,
    page_id: str,
    value: dict[str, Any],
    now_ms: int,
    memo: Memo,
    inflight: bool = False,
) -> list[WebhookEvent]:
    """Queue a feed change (entry time in seconds, as Meta sends feed changes)."""
    return enqueue_page_event(
        session,
        page_id=page_id,
        field="feed",
        entry=payloads.feed_entry(page_id, now_ms // 1000, value),
        now=now_ms,
        memo=memo,
        inflight=inflight,
    )


def enqueue_callback(
    session: Session, *, app_id: str, kind: str, url: str, form: dict[str, str], now: int
) -> WebhookEvent:
    """Queue an app callback (``deauthorize`` or ``data_deletion``) POSTing ``form`` to ``url``."""
    event = WebhookEvent(
        app_id=app_id,
        page_id=None,
        kind=kind,
        field=kind,
        body={"url": url, "form": form},
        created_at=now,
        available_at=now,
        attempts=0,
        state="pending",
    )
    session.add(event)
    return event
