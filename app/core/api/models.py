"""Workspace API keys: only a hash is stored; the key is shown once, when created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime
from app.core.models import User, Workspace
from app.extensions import db


class ApiKey(TimestampMixin, db.Model):
    """A key for the REST API, acting for its workspace."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    # The key is "hk_<prefix>_<secret>"; the prefix finds the row, the hash proves the secret.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workspace: Mapped[Workspace] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        """Whether the key still opens the API."""
        return self.revoked_at is None
