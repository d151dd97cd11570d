"""Settings the Graph client is built from, and the app access token derived from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v25.0"

_VERSION_PATTERN = re.compile(r"v\d+\.\d+")


@dataclass(frozen=True)
class GraphSettings:
    """Where the Graph API lives and how patiently to talk to it.

    `base_url` may point at the local Meta sandbox (e.g. "http://127.0.0.1:5601"); the client
    never assumes it is graph.facebook.com. Timeouts and backoff figures are in seconds.
    """

    base_url: str = DEFAULT_BASE_URL
    version: str = DEFAULT_VERSION
    app_id: str | None = None
    # Kept out of repr so that a logged settings object never leaks the secret.
    app_secret: str | None = field(default=None, repr=False)
    connect_timeout: float = 3.05
    read_timeout: float = 20.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0

    def __post_init__(self) -> None:
        """Refuse settings that would only fail later, far from their cause."""
        if not _VERSION_PATTERN.fullmatch(self.version):
            raise ValueError(f"Graph API version must look like 'v25.0', got {self.version!r}")
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("backoff figures must not be negative")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GraphSettings:
        """Build settings from a mapping using Herald's setting names (e.g. a Flask config).

        Reads GRAPH_API_URL, GRAPH_API_VERSION, FACEBOOK_APP_ID and FACEBOOK_APP_SECRET;
        anything missing or empty falls back to the defaults.
        """
        return cls(
            base_url=config.get("GRAPH_API_URL") or DEFAULT_BASE_URL,
            version=config.get("GRAPH_API_VERSION") or DEFAULT_VERSION,
            app_id=config.get("FACEBOOK_APP_ID") or None,
            app_secret=config.get("FACEBOOK_APP_SECRET") or None,
        )

    @property
    def timeout(self) -> tuple[float, float]:
        """The (connect, read) pair handed to requests on every call."""
        return (self.connect_timeout, self.read_timeout)

    def require_app_credentials(self) -> tuple[str, str]:
        """Return (app_id, app_secret), or raise ValueError when either is missing."""
        if not self.app_id or not self.app_secret:
            raise ValueError("this call needs FACEBOOK_APP_ID and FACEBOOK_APP_SECRET")
        return self.app_id, self.app_secret


def app_access_token(settings: GraphSettings) -> str:
    """Return the app access token, the literal "{app_id}|{app_secret}"."""
    app_id, app_secret = settings.require_app_credentials()
    return f"{app_id}|{app_secret}"
