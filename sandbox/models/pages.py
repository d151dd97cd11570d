"""Pages, their admins, app subscriptions, uploaded attachments and ad accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base

ALL_TASKS = ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"]


class Page(Base):
    """A Facebook Page; ``messenger_profile`` holds Get Started, greeting and the like."""

    __tablename__ = "pages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(100), default="Local Business")
    category_id: Mapped[str] = mapped_column(String(20), default="2500")
    fan_count: Mapped[int] = mapped_column(default=0)
    followers_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[int]
    messenger_profile: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def link(self) -> str:
        """Return the Page's facebook.com URL, as Graph reports it."""
        return f"https://www.facebook.com/{self.username or self.id}"


class PageRole(Base):
    """A user's role on a Page, as its list of tasks."""

    __tablename__ = "page_roles"
    __table_args__ = (UniqueConstraint("page_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tasks: Mapped[list[str]] = mapped_column(default=list)


class PageSubscription(Base):
    """The fields an app is subscribed to for one Page (``/{page-id}/subscribed_apps``)."""

    __tablename__ = "page_subscriptions"
    __table_args__ = (UniqueConstraint("page_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    fields: Mapped[list[str]] = mapped_column(default=list)


class MessageAttachment(Base):
    """A reusable attachment uploaded with ``/{page-id}/message_attachments``."""

    __tablename__ = "message_attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[int]


class AdAccount(Base):
    """An ad account (Graph id ``act_{id}``) owned by a user."""

    __tablename__ = "ad_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone_name: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    account_status: Mapped[int] = mapped_column(default=1)  # 1 = ACTIVE
    created_at: Mapped[int]
