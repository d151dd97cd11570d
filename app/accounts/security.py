"""Passwords (Argon2id, memory-hard) and signed single-purpose links (verify email, reset)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.core.models import User

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("no account has this password")

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"  # noqa: S105 - a token purpose, not a password
LINK_LIFETIMES = {VERIFY_EMAIL: 7 * 24 * 3600, RESET_PASSWORD: 3600}


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; upgrades the stored hash when parameters changed."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None or not user.password_hash:
        return False
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return True


def _fingerprint(user: User) -> str:
    # Changes when the password, email or verification changes, so a used link stops working.
    material = f"{user.id}:{user.email}:{user.password_hash}:{user.email_verified_at}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"herald-{purpose}")


def make_link_token(user: User, purpose: str) -> str:
    """A signed token naming `user` for one `purpose`, valid until used or expired."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_link_token(token: str, purpose: str, load_user) -> User | None:
    """The user a valid, unused, unexpired token names, else None."""
    try:
        data = _serializer(purpose).loads(token, max_age=LINK_LIFETIMES[purpose])
    except (SignatureExpired, BadSignature):
        return None
    user = load_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or not secrets.compare_digest(_fingerprint(user), str(data.get("f"))):
        return None
    return user


def new_secret() -> tuple[str, str]:
    """A random secret for a link and the SHA-256 hash to store instead of it."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    """The stored form of a link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
