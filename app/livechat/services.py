"""Live chat: conversations kept up to date from webhooks, and what operators do with them.

Every change is published to the workspace's live stream, so every operator's inbox updates
without reloading. Replies go through the messaging policy before anything is stored or sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.core import content, events, messaging, policy, sender_actions
from app.core.db import from_epoch_ms, insert_ignore, utcnow
from app.core.inbound import Kind, MessagingEvent, on_messaging
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.models import Page, Role, User
from app.core.subscribers import store
from app.core.subscribers.models import Subscriber
from app.extensions import db, redis_client
from app.livechat.models import Conversation, ConversationStatus, Note

PREVIEW_LENGTH = 140
TYPING_THROTTLE_SECONDS = 8
MARK_SEEN_THROTTLE_SECONDS = 30


class LiveChatError(ValueError):
    """An operator action that cannot be done; the message is for the operator."""


def conversation_for(subscriber: Subscriber) -> Conversation:
    """The subscriber's conversation, created on first need (one per subscriber)."""
    insert_ignore(
        Conversation.__table__,
        {
            "workspace_id": subscriber.workspace_id,
            "page_id": subscriber.page_id,
            "subscriber_id": subscriber.id,
            "status": ConversationStatus.OPEN.value,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ["subscriber_id"],
    )
    query = select(Conversation).where(Conversation.subscriber_id == subscriber.id)
    return db.session.scalars(query).one()


def announce(conversation: Conversation) -> None:
    """Tell every open inbox that this conversation changed."""
    events.publish(
        conversation.workspace_id,
        "conversation",
        {
            "conversation_id": conversation.id,
            "subscriber_id": conversation.subscriber_id,
            "status": conversation.status.value,
            "assignee_id": conversation.assignee_id,
        },
        page_id=conversation.page_id,
    )


def _touch(conversation: Conversation, at: datetime, preview: str | None) -> None:
    if conversation.last_message_at is None or at >= conversation.last_message_at:
        conversation.last_message_at = at
        conversation.preview = (preview or "")[:PREVIEW_LENGTH] or None


def _subscriber(page: Page, psid: str | None) -> Subscriber | None:
    if not psid:
        return None
    query = select(Subscriber).where(Subscriber.page_id == page.id, Subscriber.psid == psid)
    return db.session.scalars(query).first()


@on_messaging(Kind.MESSAGE, Kind.POSTBACK, Kind.REFERRAL, Kind.OPTIN, name="livechat")
def on_inbound(page: Page, event: MessagingEvent) -> None:
    """The person wrote: their conversation opens (again) and moves to the top."""
    subscriber = _subscriber(page, event.psid)  # written by the subscriber store just before
    if subscriber is None:
        return
    conversation = conversation_for(subscriber)
    at = from_epoch_ms(event.timestamp_ms)
    if conversation.status == ConversationStatus.RESOLVED and (
        conversation.resolved_at is None or at > conversation.resolved_at
    ):
        conversation.status = ConversationStatus.OPEN
        conversation.resolved_at = None
    _touch(conversation, at, event.text or event.postback_title or "Opened the conversation")
    db.session.commit()
    announce(conversation)


@on_messaging(Kind.ECHO, name="livechat")
def on_echo(page: Page, event: MessagingEvent) -> None:
    """The Page wrote (here or from Facebook's inbox): keep the conversation's preview current."""
    subscriber = _subscriber(page, event.psid)
    if subscriber is None:
        return
    conversation = conversation_for(subscriber)
    _touch(conversation, from_epoch_ms(event.timestamp_ms), event.text)
    db.session.commit()
    announce(conversation)


def unread_counts(conversations: list[Conversation]) -> dict[int, int]:
    """The person's messages since an operator last opened each conversation."""
    if not conversations:
        return {}
    unread = and_(
        Message.subscriber_id == Conversation.subscriber_id,
        Message.direction == Direction.IN,
        or_(Conversation.seen_at.is_(None), Message.sent_at > Conversation.seen_at),
    )
    query = (
        select(Conversation.id, func.count(Message.id))
        .join(Message, unread)
        .where(Conversation.id.in_([c.id for c in conversations]))
        .group_by(Conversation.id)
    )
    counts = dict(db.session.execute(query).tuples().all())
    return {c.id: counts.get(c.id, 0) for c in conversations}


def open_conversation(conversation: Conversation, operator: User) -> None:
    """An operator opened the conversation: it is read, and the person sees "seen" if in window."""
    conversation.seen_at = utcnow()
    db.session.commit()
    key = f"herald:livechat:seen:{conversation.id}"
    if redis_client.client.set(key, operator.id, nx=True, ex=MARK_SEEN_THROTTLE_SECONDS):
        sender_actions.queue_sender_action(conversation.subscriber, "mark_seen")
    announce(conversation)


def reply_decision(
    conversation: Conversation, sender: policy.Sender = policy.Sender.HUMAN
) -> policy.Decision:
    """What the policy says about a reply now (the reply box shows the same)."""
    subscriber = conversation.subscriber
    return policy.decide(
        subscriber,
        sender=sender,
        purpose=policy.Purpose.REPLY,
        settings=policy.settings_for(subscriber.page.workspace),
    )


def reply(
    conversation: Conversation,
    operator: User | None,
    text: str,
    *,
    sender: policy.Sender = policy.Sender.HUMAN,
    origin: str = "livechat",
) -> Message:
    """Queue a reply if the policy allows it now; refused replies are never stored.

    `operator` is the person replying in the inbox (None through the API).
    """
    text = text.strip()
    if not text:
        raise LiveChatError("Write something first.")
    try:
        content.validate({"text": text})
    except content.ContentError as exc:
        raise LiveChatError(str(exc)) from exc
    decision = reply_decision(conversation, sender)
    if not decision.allowed:
        raise LiveChatError(decision.explanation)
    subscriber = conversation.subscriber
    if sender == policy.Sender.HUMAN:
        store.mark_operator_active(subscriber)
    if conversation.assignee_id is None and operator is not None:
        conversation.assignee_id = operator.id  # whoever answers an unassigned person takes it
    _touch(conversation, utcnow(), text)
    message = messaging.queue_message(  # commits the changes above with the message
        subscriber,
        {"text": text},
        origin=origin,
        sender=sender,
        purpose=policy.Purpose.REPLY,
        author=operator,
    )
    announce(conversation)
    return message


def typing(conversation: Conversation, operator: User) -> None:
    """The operator is typing: show it to the person (at most every few seconds)."""
    store.mark_operator_active(conversation.subscriber)
    db.session.commit()
    key = f"herald:livechat:typing:{conversation.id}"
    if redis_client.client.set(key, operator.id, nx=True, ex=TYPING_THROTTLE_SECONDS):
        sender_actions.queue_sender_action(conversation.subscriber, "typing_on")


def retry(conversation: Conversation, operator: User, message_id: int) -> Message:
    """Send a failed reply again, as a new message (the failure stays in the history)."""
    failed = db.session.get(Message, message_id)
    if (
        failed is None
        or failed.subscriber_id != conversation.subscriber_id
        or failed.direction != Direction.OUT
        or failed.status != MessageStatus.FAILED
    ):
        raise LiveChatError("Only a failed message of this conversation can be retried.")
    return reply(conversation, operator, failed.text or "")


def assignable(conversation: Conversation) -> list[User]:
    """Operators who may take the conversation: admins and above, and agents given its Page."""
    query = select(User).where(
        User.workspace_id == conversation.workspace_id, User.is_active.is_(True)
    )
    return [
        user
        for user in db.session.scalars(query.order_by(User.name))
        if user.role != Role.AGENT or any(p.id == conversation.page_id for p in user.agent_pages)
    ]


def assign(conversation: Conversation, assignee_id: int | None) -> None:
    """Give the conversation to an operator (None: back to Unassigned)."""
    if assignee_id is not None and assignee_id not in {u.id for u in assignable(conversation)}:
        raise LiveChatError("That person cannot work on this Page's conversations.")
    conversation.assignee_id = assignee_id
    db.session.commit()
    announce(conversation)


def set_status(conversation: Conversation, status: ConversationStatus) -> None:
    """Resolve or reopen a conversation."""
    conversation.status = status
    conversation.resolved_at = utcnow() if status == ConversationStatus.RESOLVED else None
    db.session.commit()
    announce(conversation)


def add_note(conversation: Conversation, author: User | None, text: str) -> Note:
    """A private note for the other operators (never sent to the person)."""
    text = text.strip()
    if not text:
        raise LiveChatError("The note is empty.")
    note = Note(conversation_id=conversation.id, author=author, text=text)
    db.session.add(note)
    db.session.commit()
    events.publish(
        conversation.workspace_id,
        "note",
        {"conversation_id": conversation.id, "note_id": note.id},
        page_id=conversation.page_id,
    )
    return note
