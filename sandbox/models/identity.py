"""Apps, Facebook users, app-scoped ids, grants, tokens and Login dialog codes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base


class App(Base):
    """A Facebook app: credentials, webhook subscription, features and callbacks."""

    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80), default="Business")
    created_at: Mapped[int]
    features: Mapped[list[str]] = mapped_column(default=list)
    # Empty means "any redirect URI": convenient for development, like a fresh app without
    # Strict Mode entries.
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    verify_token: Mapped[str | None] = mapped_column(String(500))
    subscribed_fields: Mapped[list[str]] = mapped_column(default=list)
    deauthorize_callback_url: Mapped[str | None] = mapped_column(String(2000))
    data_deletion_callback_url: Mapped[str | None] = mapped_column(String(2000))


class User(Base):
    """A Facebook user who can sign in to the Login dialog and administer Pages."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    created_at: Mapped[int]


class AppScopedUser(Base):
    """The app-scoped user id (ASID) a user has in one app; ``/me`` returns it."""

    __tablename__ = "app_scoped_users"
    __table_args__ = (UniqueConstraint("user_id", "app_id"),)

    asid: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))


class Grant(Base):
    """What a user granted an app: each permission's status and the Pages shared at consent."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    # permission -> "granted" | "declined"; replaced wholesale on change (JSON is not tracked).
    permissions: Mapped[dict[str, str]] = mapped_column(default=dict)
    page_ids: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[int]
    updated_at: Mapped[int]
    deauthorized_at: Mapped[int | None]

    def granted(self) -> set[str]:
        """Return the permissions currently granted."""
        return {p for p, status in self.permissions.items() if status == "granted"}

    def declined(self) -> set[str]:
        """Return the permissions currently declined."""
        return {p for p, status in self.permissions.items() if status == "declined"}


class Token(Base):
    """An access token: an opaque string bound to a user, a Page or an app."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_user_app", "user_id", "app_id"),
        Index("ix_tokens_parent_page", "parent_id", "page_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # USER | PAGE | APP
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    asid: Mapped[str | None] = mapped_column(String(32))
    page_id: Mapped[str | None] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None]  # the user token a Page token was obtained with
    long_lived: Mapped[bool] = mapped_column(default=False)
    issued_at: Mapped[int]  # epoch ms
    expires_at: Mapped[int]  # epoch ms; 0 = never
    valid: Mapped[bool] = mapped_column(default=True)
    invalid_subcode: Mapped[int | None]
    invalid_reason: Mapped[str | None] = mapped_column(String(200))


class AuthCode(Base):
    """A Login dialog authorization code: single use, short-lived, bound to its redirect URI."""

    __tablename__ = "auth_codes"

    code: Mapped[str] = mapped_column(String(255), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[int]
    used_at: Mapped[int | None]
