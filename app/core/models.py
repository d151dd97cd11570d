"""Tenancy and connected Pages: the rows every feature scopes by.

A workspace is a business; its members sign in to the dashboard; its Pages are the Facebook Pages
it connected. Every row a feature stores belongs to a workspace, directly or through a Page, and
every query is scoped by it. These models live in core because every feature depends on them.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, Column, Enum, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.db import TimestampMixin, UTCDateTime
from app.extensions import db


class Role(enum.StrEnum):
    """What a member may do in a workspace, most powerful first."""

    OWNER = "owner"
    ADMIN = "admin"
    MARKETER = "marketer"
    AGENT = "agent"

    @property
    def rank(self) -> int:
        """0 for the owner, growing as power shrinks."""
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """Whether this role may do what `other` may."""
        return self.rank <= other.rank


class PageStatus(enum.StrEnum):
    """Where a connected Page stands with Facebook."""

    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


def enum_column(enum_class: type[enum.Enum], length: int = 24) -> Enum:
    """A portable enum column storing the members' values (not their names)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def default_workspace_settings() -> dict[str, Any]:
    """Settings a new workspace starts with (see `Workspace.setting`)."""
    return {
        "human_agent_replies": 1,  # HUMAN_AGENT replies allowed per subscriber message
        "operator_hold_minutes": 30,  # automation steps aside while an operator is active
        "app_in_development_mode": False,
    }


agent_pages = Table(
    "agent_pages",
    db.Model.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("page_id", ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
)


class Workspace(TimestampMixin, db.Model):
    """A business using Herald: it owns Pages, members and everything they create."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=default_workspace_settings)

    members: Mapped[list[User]] = relationship(back_populates="workspace", order_by="User.id")
    pages: Mapped[list[Page]] = relationship(back_populates="workspace", order_by="Page.name")

    def setting(self, name: str) -> Any:
        """A workspace setting, falling back to the default for settings added later."""
        return {**default_workspace_settings(), **(self.settings or {})}[name]


class User(UserMixin, TimestampMixin, db.Model):
    """A person who signs in to Herald's dashboard, member of exactly one workspace."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MARKETER)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The Facebook account connected to this user (app-scoped id) and its long-lived token.
    facebook_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    facebook_name: Mapped[str | None] = mapped_column(String(120))
    facebook_token: Mapped[str | None] = mapped_column(EncryptedText)
    facebook_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last known status of each permission: {"pages_messaging": "granted", "email": "declined"}.
    facebook_permissions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    facebook_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship(back_populates="members")
    agent_pages: Mapped[list[Page]] = relationship(secondary=agent_pages, order_by="Page.name")

    @property
    def email_verified(self) -> bool:
        """Whether the user proved they own their email address."""
        return self.email_verified_at is not None

    @property
    def facebook_connected(self) -> bool:
        """Whether a usable Facebook token is on file."""
        return self.facebook_user_id is not None and self.facebook_token is not None

    def can(self, role: Role) -> bool:
        """Whether this user's role is at least `role`."""
        return self.role.at_least(role)

    @property
    def session_key(self) -> str:
        """A keyed digest of the password hash: a new password makes older sessions invalid."""
        secret = current_app.config["SECRET_KEY"].encode()
        digest = hmac.new(secret, (self.password_hash or "").encode(), hashlib.sha256)
        return digest.hexdigest()[:20]

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookie: id and session key."""
        return f"{self.id}:{self.session_key}"


LIVE_PAGE = "status != 'disconnected'"


class Page(TimestampMixin, db.Model):
    """A Facebook Page a workspace connected. Its token never leaves the server."""

    __tablename__ = "pages"
    __table_args__ = (
        # One live connection per Facebook Page across Herald. A disconnected row keeps its
        # history (subscribers, messages) and leaves the Page free for any workspace.
        Index(
            "uq_pages_live_facebook_page_id",
            "facebook_page_id",
            unique=True,
            sqlite_where=text(LIVE_PAGE),
            postgresql_where=text(LIVE_PAGE),
        ),
        Index("ix_pages_facebook_page_id", "facebook_page_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    facebook_page_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(120))
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    tasks: Mapped[list[str]] = mapped_column(JSON, default=list)
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[PageStatus] = mapped_column(
        enum_column(PageStatus), default=PageStatus.CONNECTED
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    missing_permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    subscribed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship(back_populates="pages")
    connected_by: Mapped[User | None] = relationship()

    @property
    def m_me_link(self) -> str:
        """The Page's Messenger link: by username when it has one, else by id."""
        return f"https://m.me/{self.username or self.facebook_page_id}"

    @property
    def is_usable(self) -> bool:
        """Whether Herald can call Facebook for this Page right now."""
        return self.status == PageStatus.CONNECTED and self.access_token is not None
