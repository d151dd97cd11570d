"""Creating, revoking and checking API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from app.core.api.models import ApiKey
from app.core.db import utcnow
from app.core.models import User
from app.extensions import db

KEY_PREFIX = "hk_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user: User, name: str) -> tuple[ApiKey, str]:
    """A new key for the user's workspace, and the full key (shown once, never stored). Commits."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        workspace_id=user.workspace_id,
        name=name.strip()[:120] or "API key",
        prefix=prefix,
        key_hash=_hash(secret),
        created_by=user,
    )
    db.session.add(key)
    db.session.commit()
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


def revoke(workspace_id: int, key_id: int) -> bool:
    """Revoke a key of the workspace; False when there is no such key. Commits."""
    key = db.session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace_id:
        return False
    key.revoked_at = key.revoked_at or utcnow()
    db.session.commit()
    return True


def keys(workspace_id: int) -> list[ApiKey]:
    """The workspace's keys, newest first."""
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id.desc())
    return list(db.session.scalars(query))


def authenticate(presented: str) -> ApiKey | None:
    """The active key `presented` is, or None (constant-time comparison of the secret)."""
    if not presented.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = presented[len(KEY_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    key = db.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or not key.active or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    return key
