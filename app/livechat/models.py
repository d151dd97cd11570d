"""Live chat: one conversation per subscriber, its assignment and state, notes, canned replies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime
from app.core.models import Page, User, enum_column
from app.core.subscribers.models import Subscriber
from app.extensions import db


class ConversationStatus(enum.StrEnum):
    """Open conversations need an answer; resolved ones reopen when the person writes again."""

    OPEN = "open"
    RESOLVED = "resolved"


class Conversation(TimestampMixin, db.Model):
    """The live-chat state of a subscriber's thread with a Page."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("subscriber_id"),
        Index("ix_conversations_inbox", "workspace_id", "status", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[ConversationStatus] = mapped_column(
        enum_column(ConversationStatus), default=ConversationStatus.OPEN
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Operators opened the conversation up to here: later messages from the person are unread.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preview: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    page: Mapped[Page] = relationship()
    subscriber: Mapped[Subscriber] = relationship()
    assignee: Mapped[User | None] = relationship()


class Note(TimestampMixin, db.Model):
    """A private note between operators on a conversation: never sent to the person."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User | None] = relationship()


class CannedResponse(TimestampMixin, db.Model):
    """A saved answer operators insert by typing its shortcut ("/hours")."""

    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
