"""Helpers shared by the control API blueprints: errors, JSON input, time and sync delivery."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from sandbox.runtime import Sandbox

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ControlError(Exception):
    """A control API request that cannot be honoured; rendered as ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def control_error_response(error: ControlError) -> tuple[Response, int]:
    """Render a ControlError."""
    return jsonify({"error": error.message}), error.status


def sandbox() -> Sandbox:
    """Return the current app's sandbox."""
    return current_app.extensions["sandbox"]


def body() -> dict[str, Any]:
    """Return the JSON object body (form fields are accepted too, for curl convenience)."""
    if request.is_json:
        data = request.get_json(silent=True)
        if data is None and request.get_data():
            raise ControlError(400, "the body is not valid JSON")
        if data is not None and not isinstance(data, dict):
            raise ControlError(400, "the body must be a JSON object")
        return data or {}
    return request.form.to_dict()


def text(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """Return a string field, or raise 400 when required and missing."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ControlError(400, f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ControlError(400, f"{name} must be a string")
    return str(value)


def at_ms(data: dict[str, Any], now: int) -> int:
    """Return the ``at`` field (ISO 8601) as epoch ms, or ``now`` when absent."""
    raw = data.get("at")
    if raw in (None, ""):
        return now
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ControlError(400, "at must be an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def phone(data: dict[str, Any]) -> str | None:
    """Return a validated E.164 ``phone_number`` field (any country)."""
    value = text(data, "phone_number")
    if value is not None and not E164.match(value):
        raise ControlError(400, "phone_number must be in E.164 format, e.g. +14155550123")
    return value


def get_or_404(session: Session, model: type, ident: str, what: str) -> Any:
    """Return a row by primary key or raise 404."""
    row = session.get(model, ident)
    if row is None:
        raise ControlError(404, f"no {what} {ident}")
    return row


def deliver(event_ids: list[int]) -> dict[str, Any]:
    """Make the first delivery attempt of queued events now; return the webhook status fields.

    ``webhook_status`` is the result for the first subscribed app (by id), or ``not_subscribed``;
    ``webhook_statuses`` has every app's.
    """
    sb = sandbox()
    results = sb.dispatcher.deliver_now(event_ids)
    sb.dispatcher.notify()  # failures are retried in the background
    status = results[min(results)] if results else "not_subscribed"
    return {"webhook_status": status, "webhook_statuses": results}
