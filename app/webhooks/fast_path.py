"""The webhook fast path: deliveries are answered in front of Flask, as plain WSGI.

A delivery needs its raw body, one header, a signature check and a durable store; routing,
sessions, CSRF, rate limits and response hooks cost several times that and do nothing for it.
Facebook judges an app by how fast and how reliably it acknowledges, so the busiest endpoint
skips them. Everything else (and a delivery this path does not recognise, such as a chunked
one) goes to Flask unchanged, where `routes.receive` does the same work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from app.webhooks import receiver

log = logging.getLogger(__name__)

PATH = "/webhooks/messenger"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WebhookFastPath:
    """WSGI middleware storing and acknowledging POST /webhooks/messenger."""

    def __init__(self, app: Flask, next_app: WSGIApp) -> None:
        self._app = app
        self._next = next_app
        self._max_length = app.config.get("MAX_CONTENT_LENGTH")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer a delivery here; pass every other request on."""
        length = self._length(environ)
        if length is None:
            return self._next(environ, start_response)
        if self._max_length is not None and length > self._max_length:
            return _reply(start_response, "413 Request Entity Too Large", "Too large.")
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_X_HUB_SIGNATURE_256")
        try:
            stored = receiver.accept(self._app, body, signature)
        except Exception:  # not acknowledged: Facebook delivers it again
            log.exception("webhook delivery not stored")
            return _reply(start_response, "500 Internal Server Error", "Not stored.")
        if stored is None:
            return _reply(start_response, "403 Forbidden", "Bad signature.")
        return _reply(start_response, "200 OK", receiver.ACKNOWLEDGED)

    @staticmethod
    def _length(environ: dict[str, Any]) -> int | None:
        """The body's length when this path should answer the request, else None."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return None
        raw = environ.get("CONTENT_LENGTH") or ""
        return int(raw) if raw.isdigit() else None


def _reply(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def install(app: Flask) -> None:
    """Put the fast path in front of `app`."""
    app.wsgi_app = WebhookFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
