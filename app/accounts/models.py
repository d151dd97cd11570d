"""Invitations to join a workspace, and Facebook data-deletion requests."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime
from app.core.models import Role, User, Workspace, enum_column
from app.extensions import db


class Invitation(TimestampMixin, db.Model):
    """An emailed invitation to join a workspace with a role (agents: with given Pages)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    page_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Only a hash is stored: the link in the email is the sole copy of the secret.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship()
    invited_by: Mapped[User | None] = relationship()


class DeletionStatus(enum.StrEnum):
    """Progress of a data-deletion request."""

    PENDING = "pending"
    COMPLETED = "completed"


class DataDeletionRequest(TimestampMixin, db.Model):
    """A person asked Facebook to delete the data Herald holds about their Facebook account."""

    __tablename__ = "data_deletion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    confirmation_code: Mapped[str] = mapped_column(String(32), unique=True)
    facebook_user_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[DeletionStatus] = mapped_column(
        enum_column(DeletionStatus), default=DeletionStatus.PENDING
    )
    summary: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
