"""Simulated people, their Page-scoped threads (PSIDs), messages and opt-in references."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base


class Person(Base):
    """A simulated customer who messages Pages and comments on their posts."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone_number: Mapped[str | None] = mapped_column(String(20), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="en_US")
    created_at: Mapped[int]

    @property
    def name(self) -> str:
        """Return the display name."""
        return f"{self.first_name} {self.last_name}".strip()


class Thread(Base):
    """A person's conversation with one Page; its primary key is the Page-scoped id (PSID).

    ``last_inbound_at`` is the person's last message, postback, quick reply, opt-in or referral to
    the Page: the start of the 24-hour window (and of HUMAN_AGENT's seven days).
    """

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("person_id", "page_id"),)

    psid: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[int]
    last_inbound_at: Mapped[int | None]
    last_outbound_at: Mapped[int | None]
    blocked: Mapped[bool] = mapped_column(default=False)
    delivered_watermark: Mapped[int] = mapped_column(default=0)
    read_watermark: Mapped[int] = mapped_column(default=0)
    # Customer matching: the number the Page used; the person's first reply carries it.
    matched_phone: Mapped[str | None] = mapped_column(String(20))
    prior_message_pending: Mapped[bool] = mapped_column(default=False)


class Message(Base):
    """One item of a thread: a message either way, a postback, referral, opt-in or sender action."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_time", "psid", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    psid: Mapped[str] = mapped_column(ForeignKey("threads.psid", ondelete="CASCADE"))
    page_id: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    kind: Mapped[str] = mapped_column(String(16), default="message")
    mid: Mapped[str | None] = mapped_column(String(100), unique=True)
    text: Mapped[str | None]
    message: Mapped[dict[str, Any] | None]
    messaging_type: Mapped[str | None] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(40))
    sender_action: Mapped[str | None] = mapped_column(String(16))
    app_id: Mapped[str | None] = mapped_column(String(32))
    timestamp: Mapped[int]


class UserRef(Base):
    """A ``user_ref`` from a checkbox / chat-plugin opt-in: a recipient before any PSID exists."""

    __tablename__ = "user_refs"

    user_ref: Mapped[str] = mapped_column(String(255), primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_at: Mapped[int]
    used_at: Mapped[int | None]
