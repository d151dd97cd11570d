"""The messaging policy: the one gate every outbound message passes, before any call to Facebook.

`decide` says whether a message may go to a subscriber now and with which `messaging_type`/`tag`,
or why not. The dashboard shows the same `window_state` it is based on, but the server decides:
a refused message is never sent. Meta's rules (see DESIGN.md):

- within 24 h of the person's last message, postback, opt-in or referral: anything, RESPONSE for
  replies and UPDATE for proactive messages;
- 24 h to 7 days, a human operator answering the person: MESSAGE_TAG + HUMAN_AGENT, a set
  number of times (one by default) until the person writes again;
- outside 24 h, automated and non-promotional: MESSAGE_TAG with one of the three update tags;
- otherwise refused. Unsubscribed people get no automated messages; unreachable people none.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.db import utcnow
from app.core.models import Workspace
from app.core.subscribers.models import Subscriber

WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

UPDATE_TAGS: dict[str, str] = {
    "CONFIRMED_EVENT_UPDATE": "Reminders or updates about an event the person registered for.",
    "POST_PURCHASE_UPDATE": "Updates about a purchase the person made (shipping, receipt, change).",
    "ACCOUNT_UPDATE": "A non-recurring change to the person's application or account.",
}
HUMAN_AGENT = "HUMAN_AGENT"
# Retired by Meta on 4 March 2020: sending them fails, so Herald never does.
RETIRED_TAGS = frozenset(
    {
        "APPLICATION_UPDATE", "APPOINTMENT_UPDATE", "COMMUNITY_ALERT", "CONFIRMED_EVENT_REMINDER",
        "GAME_EVENT", "ISSUE_RESOLUTION", "PAIRING_UPDATE", "PAYMENT_UPDATE",
        "PERSONAL_FINANCE_UPDATE", "RESERVATION_UPDATE", "SHIPPING_UPDATE", "TICKET_UPDATE",
        "TRANSPORTATION_UPDATE", "FEATURE_FUNCTIONALITY_UPDATE", "NON_PROMOTIONAL_SUBSCRIPTION",
        "BUSINESS_PRODUCTIVITY",
    }
)  # fmt: skip

EXPLANATIONS = {
    "page_unavailable": "The Page is not connected; reconnect it to send.",
    "unreachable": "Facebook says this person cannot receive messages (blocked or unavailable).",
    "unsubscribed": "This person unsubscribed from automated messages.",
    "operator_active": "An operator is talking with this person; automation waits its turn.",
    "retired_tag": "Meta retired this message tag; it can no longer be used.",
    "unknown_tag": "That is not a message tag Herald may use.",
    "human_agent_automation": "The Human Agent tag is only for replies written by a person.",
    "human_agent_unavailable": "This app is not approved for the Human Agent feature.",
    "human_agent_used": "The Human Agent reply was used; the box opens again when the person "
    "writes.",
    "outside_window": "More than 24 hours since the person last wrote: only a human reply within 7 "
    "days, or a non-promotional update with a tag, is allowed.",
    "closed": "More than 7 days since the person last wrote: Messenger allows no reply until they "
    "write again.",
}


class Sender(enum.StrEnum):
    """Who wrote the message: a person at the keyboard, or Herald on someone's behalf."""

    HUMAN = "human"
    AUTOMATION = "automation"


class Purpose(enum.StrEnum):
    """Answering the person, reaching out first, or confirming what they just asked for."""

    REPLY = "reply"
    PROACTIVE = "proactive"
    # A direct answer to the person's own request ("stop" -> "you are unsubscribed"): sent even
    # to someone who just unsubscribed, but only inside the 24-hour window.
    SERVICE = "service"


@dataclass(frozen=True)
class PolicySettings:
    """The workspace's and the app's choices the rules depend on."""

    human_agent_replies: int = 1
    human_agent_approved: bool = True
    hold_minutes: int = 30


@dataclass(frozen=True)
class Decision:
    """Whether to send, how, or why not (`reason` is a key of EXPLANATIONS)."""

    allowed: bool
    messaging_type: str | None = None
    tag: str | None = None
    reason: str | None = None
    held_until: datetime | None = None

    @property
    def held(self) -> bool:
        """Not refused, only postponed until an operator's conversation goes quiet."""
        return self.reason == "operator_active"

    @property
    def explanation(self) -> str:
        """The reason in words, for the people who see it."""
        return EXPLANATIONS.get(self.reason or "", "")


def _refuse(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason)


def decide(
    subscriber: Subscriber,
    *,
    sender: Sender,
    purpose: Purpose = Purpose.REPLY,
    tag: str | None = None,
    settings: PolicySettings | None = None,
    now: datetime | None = None,
) -> Decision:
    """The policy's decision for one message to `subscriber` now."""
    settings = settings or PolicySettings()
    now = now or utcnow()
    early = _before_window(subscriber, sender, purpose, tag, settings, now)
    if early is not None:
        return early
    age = now - subscriber.last_inbound_at if subscriber.last_inbound_at else None
    if age is not None and age <= WINDOW:
        return Decision(True, "UPDATE" if purpose == Purpose.PROACTIVE else "RESPONSE")
    if purpose == Purpose.SERVICE:
        return _refuse("outside_window")
    if sender == Sender.HUMAN and purpose == Purpose.REPLY:
        # Meta allows the tag only for a person answering the person's own request.
        return _human_agent(subscriber, age, settings)
    if tag in UPDATE_TAGS:
        return Decision(True, "MESSAGE_TAG", tag)
    return _refuse("outside_window")


def _before_window(
    subscriber: Subscriber,
    sender: Sender,
    purpose: Purpose,
    tag: str | None,
    settings: PolicySettings,
    now: datetime,
) -> Decision | None:
    if not subscriber.page.is_usable:
        return _refuse("page_unavailable")
    if subscriber.unreachable:
        return _refuse("unreachable")
    if tag is not None and tag in RETIRED_TAGS:
        return _refuse("retired_tag")
    if tag is not None and tag != HUMAN_AGENT and tag not in UPDATE_TAGS:
        return _refuse("unknown_tag")
    if sender == Sender.AUTOMATION:
        if tag == HUMAN_AGENT:
            return _refuse("human_agent_automation")
        if not subscriber.subscribed and purpose != Purpose.SERVICE:
            return _refuse("unsubscribed")
        active = subscriber.operator_active_at
        hold = timedelta(minutes=settings.hold_minutes)
        if active is not None and now - active < hold:
            return Decision(False, reason="operator_active", held_until=active + hold)
    return None


def _human_agent(
    subscriber: Subscriber, age: timedelta | None, settings: PolicySettings
) -> Decision:
    if age is None or age > HUMAN_AGENT_WINDOW:
        return _refuse("closed")
    if not settings.human_agent_approved:
        return _refuse("human_agent_unavailable")
    if subscriber.human_agent_replies >= settings.human_agent_replies:
        return _refuse("human_agent_used")
    return Decision(True, "MESSAGE_TAG", HUMAN_AGENT)


class Window(enum.StrEnum):
    """Where a subscriber's messaging window stands, for people and segments."""

    OPEN = "open"  # within 24 hours: anything may be sent
    HUMAN_AGENT = "human_agent"  # 24 hours to 7 days: a human reply with HUMAN_AGENT
    CLOSED = "closed"  # over 7 days (or never wrote): only tagged updates


@dataclass(frozen=True)
class WindowState:
    """The window and when it changes next, for the reply box's countdown."""

    window: Window
    changes_at: datetime | None


def window_state(subscriber: Subscriber, now: datetime | None = None) -> WindowState:
    """Which window the subscriber is in, and when it moves on."""
    now = now or utcnow()
    last = subscriber.last_inbound_at
    if last is None or now - last > HUMAN_AGENT_WINDOW:
        return WindowState(Window.CLOSED, None)
    if now - last <= WINDOW:
        return WindowState(Window.OPEN, last + WINDOW)
    return WindowState(Window.HUMAN_AGENT, last + HUMAN_AGENT_WINDOW)


def settings_for(workspace: Workspace) -> PolicySettings:
    """The policy settings of `workspace` under this app's approved features."""
    from flask import current_app

    return PolicySettings(
        human_agent_replies=int(workspace.setting("human_agent_replies")),
        human_agent_approved="human_agent" in current_app.config["FACEBOOK_APP_FEATURES"],
        hold_minutes=int(workspace.setting("operator_hold_minutes")),
    )
