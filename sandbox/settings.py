"""Runtime settings of the sandbox: defaults, validation, and an in-memory copy backed by the db.

Settings are read on hot paths (every send checks the rate limit), so they live in memory and are
written through to the ``settings`` table when changed through the control API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

SIXTY_DAYS = 5183944  # what Graph reports for a fresh long-lived token


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a non-negative integer")
    return value


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("must be a positive number")
    return float(value)


def _non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError("must be a non-negative number")
    return float(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _delays(value: Any) -> list[float]:
    if not isinstance(value, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ValueError("must be a list of non-negative numbers of seconds")
    return [float(v) for v in value]


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a positive integer")
    return value


# name -> (default, validator). Times are seconds unless the name says otherwise.
SETTINGS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "send_rate_limit": (300, _non_negative_int),  # Send API calls per second per Page; 0 = no limit
    "latency_ms": (0, _non_negative_int),  # added to every Graph HTTP request
    "webhook_timeout": (20.0, _positive_number),
    "webhook_retry_delays": ([0.0, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0], _delays),
    "webhook_batch_max": (50, _positive_int),  # entries per webhook POST
    "token_expires_in": (SIXTY_DAYS, _non_negative_int),  # user tokens from the code exchange
    "long_lived_expires_in": (SIXTY_DAYS, _non_negative_int),  # fb_exchange_token tokens
    "code_ttl": (600, _non_negative_int),  # Login dialog codes
    "human_agent_feature": (True, _boolean),  # global switch, AND-ed with each app's features
    "fault_timeout_seconds": (25.0, _non_negative_number),
    "app_calls_per_hour": (10000, _positive_int),  # platform limit behind X-App-Usage
    "page_calls_per_hour": (50000, _positive_int),  # BUC "pages" limit behind X-Business-Use-Case
    "usage_time_budget_seconds": (600.0, _positive_number),  # processing time per hour = 100 %
    # Conversations API calls per second per Page (Facebook allows 2); 0 = no limit.
    "conversations_rate_limit": (2, _non_negative_int),
    # An app whose webhook deliveries fail this many rounds in a row, or for this many seconds,
    # is unsubscribed from its Pages, as Meta does after about an hour; 0 turns a rule off.
    "webhook_disable_after": (50, _non_negative_int),
    "webhook_disable_period": (3600.0, _non_negative_number),
    "ad_review_seconds": (300.0, _non_negative_number),  # PENDING_REVIEW before an ad delivers
}


class SettingsError(ValueError):
    """A setting name or value the sandbox does not accept."""


class Settings:
    """Thread-safe current settings; ``persist`` writes changes through to the database."""

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {name: spec[0] for name, spec in SETTINGS.items()}
        self._lock = threading.Lock()
        self._overrides = self.validate(overrides or {})
        self._values.update(self._overrides)

    @staticmethod
    def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
        """Return the validated, normalized changes, or raise SettingsError naming the bad one."""
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in SETTINGS:
                raise SettingsError(f"unknown setting {name!r}")
            try:
                clean[name] = SETTINGS[name][1](value)
            except ValueError as exc:
                raise SettingsError(f"{name} {exc}") from exc
        return clean

    def load(self, stored: Mapping[str, Any]) -> None:
        """Apply values read from the database (constructor overrides still win)."""
        valid = {k: v for k, v in stored.items() if k in SETTINGS}
        with self._lock:
            self._values.update(self.validate(valid))
            self._values.update(self._overrides)

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and apply changes; return the normalized changes for persisting."""
        clean = self.validate(changes)
        with self._lock:
            self._values.update(clean)
        return clean

    def reset(self) -> None:
        """Return to defaults plus constructor overrides."""
        with self._lock:
            self._values = {name: spec[0] for name, spec in SETTINGS.items()}
            self._values.update(self._overrides)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        """Return a copy of every current value."""
        with self._lock:
            return dict(self._values)
