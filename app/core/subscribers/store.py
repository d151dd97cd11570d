"""Writing subscriber rows: the one place that creates subscribers and moves their clocks.

Every change is idempotent and order-insensitive: a subscriber is inserted-or-ignored on
(Page, PSID); clocks only move forward (`max`); watermarks only grow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.core.db import from_epoch_ms, insert_ignore, utcnow
from app.core.inbound import MessagingEvent, Referral
from app.core.models import Page
from app.core.queue import enqueue, work_id
from app.core.subscribers.models import ProfileStatus, Source, Subscriber
from app.extensions import db


def source_of(event: MessagingEvent) -> tuple[Source, str | None]:
    """How the person reached the Page, and the ref they came with."""
    if event.prior_message and event.prior_message.get("source") == "customer_matching":
        return Source.PHONE_INVITE, None
    referral: Referral | None = event.referral
    if referral is not None:
        if referral.source == "ADS":
            return Source.AD, referral.ref
        if referral.source == "CUSTOMER_CHAT_PLUGIN":
            return Source.PLUGIN, referral.ref
        if referral.ref:
            return Source.LINK, referral.ref
    if event.optin_ref is not None or event.user_ref is not None:
        return Source.PLUGIN, event.optin_ref
    return Source.ORGANIC, None


def ensure(
    page: Page,
    psid: str,
    *,
    at: datetime | None = None,
    source: Source = Source.ORGANIC,
    ref: str | None = None,
    phone: str | None = None,
) -> tuple[Subscriber, bool]:
    """The subscriber for (page, psid), created if new; also says whether it was created.

    `at`, `source`, `ref` and `phone` describe a new subscriber's first contact; an existing one
    keeps its own, except that an earlier `at` moves first-seen back (events arrive out of order).
    A new subscriber's profile is the caller's to queue once it has committed
    (`queue_profile_fetch`): a worker must not look for the row before it exists.
    """
    at = at or utcnow()
    created = insert_ignore(
        Subscriber.__table__,
        {
            "workspace_id": page.workspace_id,
            "page_id": page.id,
            "psid": psid,
            "first_seen_at": at,
            "source": source.value,
            "ref": ref[:250] if ref else None,
            "phone_number": phone,
            "profile_status": ProfileStatus.PENDING.value,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ["page_id", "psid"],
    )
    query = select(Subscriber).where(Subscriber.page_id == page.id, Subscriber.psid == psid)
    subscriber = db.session.scalars(query).one()
    if not created and subscriber.first_seen_at > at:
        subscriber.first_seen_at = at
    return subscriber, created


def ensure_for_event(page: Page, psid: str, event: MessagingEvent) -> tuple[Subscriber, bool]:
    """`ensure` with the first-contact details a webhook event carries."""
    source, ref = source_of(event)
    return ensure(
        page,
        psid,
        at=from_epoch_ms(event.timestamp_ms) if event.timestamp_ms else None,
        source=source,
        ref=ref,
        phone=(event.prior_message or {}).get("identifier"),
    )


def queue_profile_fetch(subscriber_id: int) -> None:
    """Fetch the name and picture in the background: never on the ingest path."""
    enqueue(
        "app.core.subscribers.profiles.fetch_profile",
        subscriber_id,
        job_id=work_id("profile", subscriber_id),
    )


def record_inbound(subscriber: Subscriber, event: MessagingEvent) -> None:
    """Move the 24-hour clock forward for an event that opens the window."""
    at = from_epoch_ms(event.timestamp_ms)
    if subscriber.last_inbound_at is None or at > subscriber.last_inbound_at:
        subscriber.last_inbound_at = at
        subscriber.human_agent_replies = 0  # the person wrote again: the count starts over
    # Someone who writes after Facebook said they were unreachable can be answered again
    # (they unblocked the Page); a late copy of an older message proves nothing.
    if subscriber.unreachable and (
        subscriber.unreachable_at is None or at > subscriber.unreachable_at
    ):
        subscriber.unreachable = False
        subscriber.unreachable_reason = None


def record_outbound(subscriber: Subscriber, at: datetime) -> None:
    """Remember when the Page last wrote."""
    if subscriber.last_outbound_at is None or at > subscriber.last_outbound_at:
        subscriber.last_outbound_at = at


def record_watermark(subscriber: Subscriber, event: MessagingEvent) -> None:
    """Delivery and read watermarks (epoch ms) only grow."""
    value = event.watermark_ms or 0
    attribute = "read_watermark" if event.kind.value == "read" else "delivered_watermark"
    current = getattr(subscriber, attribute)
    if current is None or value > current:
        setattr(subscriber, attribute, value)


def set_subscribed(subscriber: Subscriber, subscribed: bool) -> bool:
    """Subscribe or unsubscribe from automated messages; True when it changed."""
    if subscriber.subscribed == subscribed:
        return False
    subscriber.subscribed = subscribed
    subscriber.unsubscribed_at = None if subscribed else utcnow()
    return True


def mark_unreachable(subscriber_id: int, reason: str) -> None:
    """Facebook says this person cannot be messaged (blocked, deactivated, unknown PSID)."""
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id, Subscriber.unreachable.is_(False))
        .values(unreachable=True, unreachable_reason=reason[:200], unreachable_at=utcnow())
    )


def mark_operator_active(subscriber: Subscriber) -> None:
    """An operator is working on this conversation: automation steps aside for a while."""
    subscriber.operator_active_at = utcnow()
