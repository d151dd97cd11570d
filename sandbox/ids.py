"""Identifier and secret generators shaped like Facebook's (numeric ids, opaque tokens, mids)."""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_letters + string.digits


def new_numeric_id(digits: int = 15, lead: str = "1") -> str:
    """Return a random numeric id string of ``digits`` digits starting with ``lead``.

    Facebook ids are decimal strings of 15-17 digits; a leading digit per kind keeps kinds apart.
    """
    rest = digits - len(lead)
    return lead + str(secrets.randbelow(10**rest)).zfill(rest)


def new_token(prefix: str = "EAAB", length: int = 96) -> str:
    """Return an opaque alphanumeric access token (shaped like ``EAAB...``)."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_secret() -> str:
    """Return a 32-hex-character app secret, like Facebook's."""
    return secrets.token_hex(16)


def new_mid() -> str:
    """Return a message id in Facebook's ``m_...`` form."""
    return "m_" + secrets.token_urlsafe(30)


def new_code() -> str:
    """Return a Login dialog authorization code."""
    return "AQ" + secrets.token_urlsafe(64)


def new_trace_id() -> str:
    """Return an ``fbtrace_id``-like string."""
    return "A" + secrets.token_urlsafe(16)[:22]
