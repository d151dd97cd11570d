"""The API's one error shape: `{"error": {"status", "code", "message", "details"?}}`.

Every error an `/api/v1` request can meet (routing, authentication, validation, rate limits, bugs)
goes through `error_response`, so clients parse one shape whatever went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import marshmallow as ma
from flask import Flask, jsonify, request
from flask_smorest import abort
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid API key is required (Authorization: Bearer <key>).",
    403: "This key may not do that.",
    404: "Not found.",
    405: "This method is not allowed on this path.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "The request is not valid.",
    429: "Too many requests for this API key; slow down.",
    500: "Herald hit an error. It has been logged; please try again.",
}


class ErrorDetailSchema(ma.Schema):
    """What went wrong."""

    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = ma.fields.String(
        required=True, metadata={"description": "A stable machine code, e.g. not_found."}
    )
    message = ma.fields.String(required=True, metadata={"description": "For people."})
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Field errors: field name -> list of messages (422 only)."},
    )


class ErrorSchema(ma.Schema):
    """Every error response of the API."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def is_api_request() -> bool:
    """Whether the current request is addressed to the REST API."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(
    status: int,
    message: str | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON error response in the API's shape."""
    body: dict[str, Any] = {
        "status": status,
        "code": CODES.get(status, f"http_{status}"),
        "message": message or MESSAGES.get(status, "Something went wrong."),
    }
    if details:
        body["details"] = dict(details)
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_abort(
    status: int,
    message: str | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> NoReturn:
    """Stop the request with an API error (handled by `handle_http_exception`)."""
    data: dict[str, Any] = {"message": message}
    if details:
        data["errors"] = dict(details)
    if headers:
        data["headers"] = dict(headers)
    abort(status, **data)
    raise AssertionError("unreachable")  # abort always raises; this keeps type checkers honest


def _field_errors(messages: Mapping[str, Any]) -> dict[str, Any]:
    """Webargs keys errors by location ({"json": {...}}); clients want them by field."""
    merged: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, Mapping):
            merged.update(errors)
        else:
            merged[location] = errors
    return merged


def handle_http_exception(error: HTTPException) -> Response:
    """Any HTTPException (ours, Flask's, webargs', Flask-Limiter's) in the API's shape."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    # Keep the headers werkzeug attaches (Allow on 405), never its HTML content type.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    details = data.get("errors")
    if details is None and data.get("messages"):
        details = _field_errors(data["messages"])
    message = data.get("message")
    if message is None and status == 429:
        message = f"Rate limit exceeded ({error.description}) for this API key; slow down."
    if message is None and status == 422 and details:
        message = "Some fields are not valid; see details."
    return error_response(status, message, details, headers)


def handle_unexpected(error: Exception) -> Response:
    """A bug: log it, answer 500 in the API's shape (never the traceback)."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def install_fallback(app: Flask) -> None:
    """Answer /api/v1 paths no view matched (404, 405) in the API's shape too.

    Routing errors happen before any blueprint is chosen, so only app-level handlers see them.
    The dashboard already renders those (HTML for people, its own JSON for machines); wrap its
    handlers so /api/v1 paths get the API's shape and every other path keeps the dashboard's.
    """
    for exc_class, ours in ((HTTPException, handle_http_exception), (Exception, handle_unexpected)):
        previous = app.error_handler_spec[None][None].get(exc_class)
        app.register_error_handler(exc_class, _dispatch(ours, previous))


def _dispatch(ours: Callable[[Any], Any], previous: Callable[[Any], Any] | None) -> Any:
    def handler(error: Exception) -> Any:
        if is_api_request():
            return ours(error)
        if previous is not None:
            return previous(error)
        if isinstance(error, HTTPException):
            return error  # Flask's own default rendering
        raise error

    return handler
