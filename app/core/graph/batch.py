"""Batch requests: up to 50 Graph operations in one HTTP call, each answered separately."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.graph.encoding import compact_json, form_encode
from app.core.graph.errors import GraphError, TransientError, classify
from app.core.graph.usage import EMPTY_USAGE, parse_usage

MAX_BATCH_OPERATIONS = 50
BATCH_METHODS = frozenset({"GET", "POST", "DELETE"})


@dataclass(frozen=True)
class BatchOperation:
    """One operation of a batch request.

    `relative_url` is relative to the versioned base (e.g. "123/messages"); `body` holds the
    POST parameters, form-encoded on the wire with object values as compact JSON.
    """

    method: str
    relative_url: str
    body: dict[str, Any] | None = None
    name: str | None = None
    depends_on: str | None = None
    omit_response_on_success: bool | None = None

    def __post_init__(self) -> None:
        """Reject methods Graph's batch endpoint does not run."""
        if self.method not in BATCH_METHODS:
            raise ValueError(f"batch method must be one of {sorted(BATCH_METHODS)}")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object Graph expects for this operation, without unset members."""
        operation: dict[str, Any] = {"method": self.method, "relative_url": self.relative_url}
        if self.body is not None:
            operation["body"] = form_encode(self.body)
        if self.name is not None:
            operation["name"] = self.name
        if self.depends_on is not None:
            operation["depends_on"] = self.depends_on
        if self.omit_response_on_success is not None:
            operation["omit_response_on_success"] = self.omit_response_on_success
        return operation


@dataclass(frozen=True)
class BatchResult:
    """The answer to one batch operation.

    `status` is None when Graph did not complete the operation; `error` is then a
    TransientError. `data` is the parsed body on success (None when omitted).
    """

    status: int | None
    data: Any = None
    error: GraphError | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the operation completed with a 2xx status and no error."""
        return self.error is None and self.status is not None and 200 <= self.status < 300


def batch_field(operations: Sequence[BatchOperation]) -> str:
    """Validate the operations and return the `batch` form field (a JSON array)."""
    if not operations:
        raise ValueError("a batch needs at least one operation")
    if len(operations) > MAX_BATCH_OPERATIONS:
        raise ValueError(f"a batch holds at most {MAX_BATCH_OPERATIONS} operations")
    return compact_json([operation.to_dict() for operation in operations])


def parse_batch_reply(
    reply: Any, operation_count: int, *, http_status: int, secrets: Iterable[str] = ()
) -> list[BatchResult]:
    """Return one BatchResult per operation, in request order.

    Entries Graph left out or sent as null did not complete and come back as transient
    failures, so a caller can safely retry exactly those.
    """
    if not isinstance(reply, list):
        raise GraphError("batch reply is not a list", http_status=http_status)
    secret_list = list(secrets)
    padded = [*reply[:operation_count], *[None] * (operation_count - len(reply))]
    return [_parse_entry(entry, secret_list) for entry in padded]


def _parse_entry(entry: Any, secrets: list[str]) -> BatchResult:
    if not isinstance(entry, dict):
        return BatchResult(status=None, error=TransientError("batch operation did not complete"))
    status = entry.get("code") if isinstance(entry.get("code"), int) else None
    headers = _headers(entry.get("headers"))
    body = _body(entry.get("body"))
    if status is None or status >= 400 or (isinstance(body, dict) and "error" in body):
        envelope = body if isinstance(body, dict) else {}
        usage = parse_usage(headers) if headers else EMPTY_USAGE
        error = classify(envelope, status or 0, usage, secrets=secrets)
        return BatchResult(status=status, data=body, error=error, headers=headers)
    return BatchResult(status=status, data=body, headers=headers)


def _body(raw: Any) -> Any:
    # Graph sends each body as a JSON string; anything unparsable is kept as the raw text.
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _headers(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    return {
        str(item["name"]): str(item.get("value", ""))
        for item in raw
        if isinstance(item, dict) and "name" in item
    }
