"""Typed Graph API errors, classified by `code` / `error_subcode` only (never by message text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.core.graph.coerce import optional_int
from app.core.graph.usage import EMPTY_USAGE, Usage

RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80010)})
TRANSIENT_CODES = frozenset({1, 2, 1200})
OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2018065})
PRIVATE_REPLY_CODES = frozenset({10900, 10903})
# The person cannot get messages from this Page: blocked it, left, or disallows messages.
RECIPIENT_CODES = frozenset({551, 230})
RECIPIENT_SUBCODES = frozenset({(10, 2018108), (100, 2018001), (200, 1545041)})
PERMISSION_CODES = frozenset({10, *range(200, 300)})

# Without a BUC estimate, wait longer the closer the reported usage is to the limit.
MIN_RETRY_AFTER = 10.0
FULL_USAGE_RETRY_AFTER = 60.0

REDACTED = "[redacted]"


class GraphError(Exception):
    """An error reply from the Graph API (or a failure to get any reply at all).

    Attributes mirror Graph's error envelope: `code`, `subcode` (error_subcode), `message`,
    `type`, `fbtrace_id`, `user_title` / `user_msg` (error_user_title / error_user_msg) and
    `is_transient`; plus the `http_status` of the reply (None when there was none), the `usage`
    its headers reported, and `maybe_delivered`: True when a request that changes something was
    sent but no reply came back, so Graph may have acted on it (never send it again blindly).
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        type: str | None = None,
        fbtrace_id: str | None = None,
        http_status: int | None = None,
        is_transient: bool = False,
        user_title: str | None = None,
        user_msg: str | None = None,
        usage: Usage = EMPTY_USAGE,
        maybe_delivered: bool = False,
    ) -> None:
        self.message = message
        self.maybe_delivered = maybe_delivered
        self.code = code
        self.subcode = subcode
        self.type = type
        self.fbtrace_id = fbtrace_id
        self.http_status = http_status
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.usage = usage
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = [f"HTTP {self.http_status}" if self.http_status else None]
        if self.code is not None:
            parts.append(f"code {self.code}" + (f"/{self.subcode}" if self.subcode else ""))
        prefix = ", ".join(part for part in parts if part)
        return f"{self.message} ({prefix})" if prefix else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ defeats Exception's default pickling, and job queues pickle errors.
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))


def _restore_error(
    cls: type[GraphError], args: tuple[Any, ...], state: dict[str, Any]
) -> GraphError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class TransientError(GraphError):
    """A temporary failure (codes 1, 2, 1200, HTTP 5xx, timeouts, is_transient): retry later."""


class RateLimited(GraphError):
    """A rate limit was hit (4, 17, 32, 341, 613, 80001-80009). Back off; never drop the work.

    `retry_after` estimates, in seconds, how long to wait before trying again.
    """

    @property
    def retry_after(self) -> float:
        """Seconds to wait: Meta's BUC estimate when given, else a guess from the usage level."""
        if self.usage.regain_seconds > 0:
            return self.usage.regain_seconds
        percent = self.usage.max_percent
        if percent >= 100:
            return FULL_USAGE_RETRY_AFTER
        span = FULL_USAGE_RETRY_AFTER - MIN_RETRY_AFTER
        return MIN_RETRY_AFTER + span * max(percent, 0.0) / 100.0


class TokenInvalid(GraphError):
    """The access token is invalid or expired (code 190); `reason` names the subcode."""

    REASONS: Mapping[int, str] = {
        458: "app_not_installed",
        459: "checkpointed",
        460: "password_changed",
        463: "expired",
        464: "unconfirmed_user",
        467: "logged_out",
        492: "invalid_session",
        493: "inactive_90_days",
    }

    @property
    def reason(self) -> str:
        """A stable name for why the token is invalid ("invalid" when Graph gives no subcode)."""
        return self.REASONS.get(self.subcode or 0, "invalid")


class OutsideWindow(GraphError):
    """The message was sent outside the allowed messaging window (10/2018278, 10/2018065)."""


class RecipientUnavailable(GraphError):
    """The person cannot be reached (551, 230, 10/2018108, 100/2018001, 200/1545041)."""


class PrivateReplyNotAllowed(GraphError):
    """A private reply is not possible for this comment or post (10900, 10903)."""


class PermissionDenied(GraphError):
    """A permission or feature is missing (code 10 and 200-299)."""


class InvalidParameter(GraphError):
    """A parameter of the request was invalid (code 100)."""


def classify(
    envelope: Mapping[str, Any],
    http_status: int,
    usage: Usage = EMPTY_USAGE,
    *,
    secrets: Iterable[str] = (),
) -> GraphError:
    """Turn a Graph error envelope into the matching GraphError subclass.

    `envelope` is the reply body (`{"error": {...}}`) or the inner error object. Any of
    `secrets` found in Graph's texts is redacted, since Graph sometimes quotes a bad token.
    """
    inner = envelope.get("error", envelope)
    details = inner if isinstance(inner, Mapping) else {}
    code = optional_int(details.get("code"))
    subcode = optional_int(details.get("error_subcode"))
    is_transient = details.get("is_transient") is True
    error_class = _error_class(code, subcode, is_transient, http_status)
    secret_list = [secret for secret in secrets if secret]
    return error_class(
        redact(
            _text(details.get("message")) or f"Graph API error (HTTP {http_status})", secret_list
        ),
        code=code,
        subcode=subcode,
        type=_text(details.get("type")),
        fbtrace_id=_text(details.get("fbtrace_id")),
        http_status=http_status,
        is_transient=is_transient,
        user_title=_redact_optional(_text(details.get("error_user_title")), secret_list),
        user_msg=_redact_optional(_text(details.get("error_user_msg")), secret_list),
        usage=usage,
    )


def _error_class(
    code: int | None, subcode: int | None, is_transient: bool, http_status: int
) -> type[GraphError]:
    # Errors that call for a specific action (back off, reconnect, stop messaging a person) keep
    # their class even when flagged transient; the flag only upgrades generic errors.
    if code in RATE_LIMIT_CODES:
        return RateLimited
    specific = _class_for_action(code, subcode)
    if specific is not None:
        return specific
    if is_transient or code in TRANSIENT_CODES:
        return TransientError
    if code in PERMISSION_CODES:
        return PermissionDenied
    if code == 100:
        return InvalidParameter
    return TransientError if http_status >= 500 else GraphError


def _class_for_action(code: int | None, subcode: int | None) -> type[GraphError] | None:
    if code == 190:
        return TokenInvalid
    if code == 10 and subcode in OUTSIDE_WINDOW_SUBCODES:
        return OutsideWindow
    if code in RECIPIENT_CODES or (code, subcode) in RECIPIENT_SUBCODES:
        return RecipientUnavailable
    if code in PRIVATE_REPLY_CODES:
        return PrivateReplyNotAllowed
    return None


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in `text` with a marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _redact_optional(text: str | None, secrets: Iterable[str]) -> str | None:
    return None if text is None else redact(text, secrets)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
