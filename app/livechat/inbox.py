"""What an operator sees: the folders of the inbox, a conversation, its thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from sqlalchemy import Select, exists, func, or_, select

from app.core.auth import visible_pages
from app.core.messages.models import Message
from app.core.models import User
from app.core.subscribers.models import Subscriber
from app.extensions import db
from app.livechat.models import Conversation, ConversationStatus, Note

FOLDERS = {
    "unassigned": "Unassigned",
    "mine": "Mine",
    "open": "All open",
    "resolved": "Resolved",
}
PAGE_SIZE = 50


def _scope(user: User) -> Select[tuple[Conversation]]:
    page_ids = [page.id for page in visible_pages(user)]
    return select(Conversation).where(
        Conversation.workspace_id == user.workspace_id, Conversation.page_id.in_(page_ids)
    )


def _in_folder(
    query: Select[tuple[Conversation]], folder: str, user: User
) -> Select[tuple[Conversation]]:
    if folder == "resolved":
        return query.where(Conversation.status == ConversationStatus.RESOLVED)
    query = query.where(Conversation.status == ConversationStatus.OPEN)
    if folder == "unassigned":
        return query.where(Conversation.assignee_id.is_(None))
    if folder == "mine":
        return query.where(Conversation.assignee_id == user.id)
    return query


def _search(query: Select[tuple[Conversation]], text: str) -> Select[tuple[Conversation]]:
    pattern = f"%{text.strip().lower()}%"
    said = exists().where(
        Message.subscriber_id == Conversation.subscriber_id, func.lower(Message.text).like(pattern)
    )
    return query.join(Subscriber, Subscriber.id == Conversation.subscriber_id).where(
        or_(func.lower(Subscriber.name).like(pattern), said)
    )


def conversations(user: User, folder: str, search: str = "") -> list[Conversation]:
    """A folder of the user's inbox, most recent first."""
    query = _in_folder(_scope(user), folder if folder in FOLDERS else "open", user)
    if search.strip():
        query = _search(query, search)
    order = Conversation.last_message_at.desc().nulls_last()
    return list(db.session.scalars(query.order_by(order, Conversation.id.desc()).limit(PAGE_SIZE)))


def folder_counts(user: User) -> dict[str, int]:
    """How many conversations each folder holds."""
    counts = {}
    for folder in FOLDERS:
        query = _in_folder(_scope(user), folder, user).with_only_columns(func.count())
        counts[folder] = db.session.scalar(query) or 0
    return counts


def conversation_or_404(user: User, conversation_id: int) -> Conversation:
    """A conversation the user may see (their workspace; agents: their Pages), or 404."""
    conversation = db.session.scalars(
        _scope(user).where(Conversation.id == conversation_id)
    ).first()
    if conversation is None:
        abort(404)
    return conversation


@dataclass(frozen=True)
class ThreadItem:
    """A message or a note, in the order they happened."""

    at: datetime
    message: Message | None = None
    note: Note | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        """Sorting key: time, then messages before notes, then id."""
        item = self.message or self.note
        return (self.at, self.message is None, item.id if item else 0)


def thread(conversation: Conversation, limit: int = 200) -> list[ThreadItem]:
    """The latest messages and notes of the conversation, oldest first."""
    messages = db.session.scalars(
        select(Message)
        .where(Message.subscriber_id == conversation.subscriber_id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    notes = db.session.scalars(
        select(Note)
        .where(Note.conversation_id == conversation.id)
        .order_by(Note.created_at.desc())
        .limit(limit)
    ).all()
    items = [ThreadItem(m.sent_at, message=m) for m in messages]
    items += [ThreadItem(n.created_at, note=n) for n in notes]
    return sorted(items, key=lambda item: item.key)
