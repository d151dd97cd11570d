"""Error pages (HTML for people, JSON for machines) and security headers on every response."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "The page you asked for does not exist or is not yours to see."),
    405: ("Not allowed", "That action is not possible on this page."),
    413: ("Too large", "What you sent is larger than Herald accepts."),
    429: ("Slow down", "Too many attempts in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "Herald hit an error. It has been logged; please try again."),
    503: ("Unavailable", "A service Herald needs is not answering. Please try again shortly."),
}


def wants_json() -> bool:
    """Machines (API, webhooks, htmx JSON calls) get JSON errors; browsers get pages."""
    if request.path.startswith(("/api/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_error(code: int, message: str | None = None) -> tuple[Response | str, int]:
    """An error response for the current request, in HTML or JSON."""
    title, default = MESSAGES.get(code, (f"Error {code}", "Something went wrong."))
    text = message or default
    if wants_json():
        return jsonify({"error": {"status": code, "title": title, "message": text}}), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    custom = error.description if getattr(error, "herald_message", False) else None
    return render_error(code, custom)


def _csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    return render_error(400, "The form expired or came from elsewhere. Reload the page and retry.")


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(InternalServerError.code)


def security_headers(response: Response) -> Response:
    """Headers that keep pages from being framed, sniffed or loading foreign scripts."""
    graph = current_app.config["FACEBOOK_WWW_URL"]
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: https: {graph}; font-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self' " + graph,
    )
    return response


def init_app(app: Flask) -> None:
    """Install the handlers on `app`."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(security_headers)
