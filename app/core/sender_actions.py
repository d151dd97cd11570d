"""Sender actions: show the person that the Page has seen their messages or is typing."""

from __future__ import annotations

import logging

from app.core import policy
from app.core.facebook import graph_for, react_to
from app.core.graph import GraphError
from app.core.graph.messenger import SENDER_ACTIONS
from app.core.queue import SENDS, enqueue
from app.core.subscribers.models import Subscriber
from app.extensions import db

log = logging.getLogger(__name__)


def queue_sender_action(subscriber: Subscriber, action: str) -> None:
    """Show the person that the Page is typing or has seen their messages (sent by a worker)."""
    if action not in SENDER_ACTIONS:
        raise ValueError(f"unknown sender action {action!r}")
    enqueue("app.core.sender_actions.deliver_sender_action", subscriber.id, action, queue=SENDS)


def deliver_sender_action(subscriber_id: int, action: str) -> None:
    """Job: send a sender action, only inside the 24-hour window (Facebook allows no other)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or not subscriber.page.is_usable or subscriber.unreachable:
        return
    if policy.window_state(subscriber).window != policy.Window.OPEN:
        return
    try:
        graph_for(subscriber.page).sender_action(
            subscriber.page.facebook_page_id, subscriber.psid, action
        )
    except GraphError as exc:
        react_to(subscriber.page, exc, "pages_messaging")
        log.info("sender action %s to subscriber %s failed: %s", action, subscriber_id, exc)
