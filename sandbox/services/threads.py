"""Threads (PSIDs) and the items recorded in them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.ids import new_numeric_id
from sandbox.models import Message, Thread

DAY_MS = 24 * 3600 * 1000


def find_thread(session: Session, person_id: str, page_id: str) -> Thread | None:
    """Return the person's thread with the Page, if they have one."""
    return session.scalar(
        select(Thread).where(Thread.person_id == person_id, Thread.page_id == page_id)
    )


def open_thread(session: Session, person_id: str, page_id: str, now: int) -> Thread:
    """Create the person's thread with the Page: a new PSID, unique to this Page."""
    thread = Thread(
        psid=new_numeric_id(16, "2"),
        person_id=person_id,
        page_id=page_id,
        created_at=now,
        blocked=False,
        delivered_watermark=0,
        read_watermark=0,
        prior_message_pending=False,
    )
    session.add(thread)
    # Without ORM relationships the unit of work does not order inserts by foreign key, so the
    # thread must exist before items that reference its PSID are flushed.
    session.flush()
    return thread


def thread_for(session: Session, person_id: str, page_id: str, now: int) -> tuple[Thread, bool]:
    """Return the person's thread with the Page, creating it; the flag says it is new."""
    thread = find_thread(session, person_id, page_id)
    if thread is not None:
        return thread, False
    return open_thread(session, person_id, page_id, now), True


def record(
    session: Session,
    thread: Thread,
    *,
    direction: str,
    timestamp: int,
    kind: str = "message",
    mid: str | None = None,
    text: str | None = None,
    message: dict[str, Any] | None = None,
    messaging_type: str | None = None,
    tag: str | None = None,
    sender_action: str | None = None,
    app_id: str | None = None,
) -> Message:
    """Add an item to the thread; inbound interactions refresh the messaging window."""
    item = Message(
        psid=thread.psid,
        page_id=thread.page_id,
        direction=direction,
        kind=kind,
        mid=mid,
        text=text,
        message=message,
        messaging_type=messaging_type,
        tag=tag,
        sender_action=sender_action,
        app_id=app_id,
        timestamp=timestamp,
    )
    session.add(item)
    if direction == "in" and kind in ("message", "postback", "referral", "optin"):
        thread.last_inbound_at = max(thread.last_inbound_at or 0, timestamp)
    elif direction == "out" and kind == "message":
        thread.last_outbound_at = max(thread.last_outbound_at or 0, timestamp)
    return item


def item_json(item: Message) -> dict[str, Any]:
    """Return a thread item as the control API shows it."""
    return {
        "direction": item.direction,
        "kind": item.kind,
        "mid": item.mid,
        "text": item.text,
        "message": item.message,
        "messaging_type": item.messaging_type,
        "tag": item.tag,
        "sender_action": item.sender_action,
        "app_id": item.app_id,
        "timestamp": item.timestamp,
    }
