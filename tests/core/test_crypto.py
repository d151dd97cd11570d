"""Token encryption at rest, with key rotation."""

from __future__ import annotations

import pytest

from app.core import crypto
from app.core.crypto import CryptoError, EncryptedText


@pytest.fixture
def keys(app):
    """Two fresh keys; the app starts with only the old one."""
    old, new = crypto.generate_key(), crypto.generate_key()
    saved = app.config["TOKEN_ENCRYPTION_KEYS"]
    app.config["TOKEN_ENCRYPTION_KEYS"] = old
    app.extensions.pop("herald.keyring", None)
    yield old, new
    app.config["TOKEN_ENCRYPTION_KEYS"] = saved
    app.extensions.pop("herald.keyring", None)


def use_keys(app, value: str) -> None:
    app.config["TOKEN_ENCRYPTION_KEYS"] = value
    app.extensions.pop("herald.keyring", None)


def test_round_trip_hides_the_plaintext(app, keys):
    secret = "EAAG-page-token"
    ciphertext = crypto.encrypt(secret)
    assert secret not in ciphertext
    assert crypto.decrypt(ciphertext) == secret


def test_rotation_keeps_old_values_readable_and_rewrites_them(app, keys):
    old, new = keys
    stored = crypto.encrypt("token-under-old-key")
    use_keys(app, f"{new},{old}")
    assert crypto.decrypt(stored) == "token-under-old-key"
    rotated = crypto.rotate(stored)
    use_keys(app, new)  # the old key is gone: only rotated values still decrypt
    assert crypto.decrypt(rotated) == "token-under-old-key"
    with pytest.raises(CryptoError):
        crypto.decrypt(stored)


def test_a_malformed_key_is_reported_clearly(app, keys):
    use_keys(app, "not-a-key")
    with pytest.raises(CryptoError, match="not a Fernet key"):
        crypto.encrypt("x")


def test_encrypted_column_type_encrypts_on_bind_and_decrypts_on_load(app, keys):
    column = EncryptedText()
    stored = column.process_bind_param("page-token", dialect=None)
    assert stored != "page-token"
    assert column.process_result_value(stored, dialect=None) == "page-token"
    assert column.process_bind_param(None, dialect=None) is None
