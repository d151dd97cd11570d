"""Encryption at rest for Facebook tokens.

`TOKEN_ENCRYPTION_KEYS` holds comma-separated Fernet keys, newest first. New values are encrypted
with the first key; any listed key decrypts, so keys can be rotated: add the new key in front,
run `flask tokens rotate`, then drop the old key.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class CryptoError(RuntimeError):
    """A value cannot be encrypted or decrypted with the configured keys."""


def keyring(keys: str) -> MultiFernet:
    """A MultiFernet from a comma-separated key list (newest first)."""
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    if not parts:
        raise CryptoError("TOKEN_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(part.encode()) for part in parts])
    except ValueError as exc:
        raise CryptoError("TOKEN_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc


def _current_keyring() -> MultiFernet:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("herald.keyring")
    if cached is None:
        cached = keyring(app.config["TOKEN_ENCRYPTION_KEYS"])
        app.extensions["herald.keyring"] = cached
    return cached


def encrypt(plaintext: str) -> str:
    """Encrypt `plaintext` with the newest key."""
    return _current_keyring().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt a value encrypted with any configured key."""
    try:
        return _current_keyring().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise CryptoError("value was not encrypted with any configured key") from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt a value with the newest key."""
    try:
        return _current_keyring().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise CryptoError("value was not encrypted with any configured key") from exc


def generate_key() -> str:
    """A fresh Fernet key for `TOKEN_ENCRYPTION_KEYS`."""
    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; Python code only ever sees the plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        """Encrypt on the way into the database."""
        if value is None:
            return None
        if not has_app_context():
            raise CryptoError("encrypting needs an app context for the keys")
        return encrypt(value)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else decrypt(value)
