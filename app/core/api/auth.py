"""Bearer-key authentication, per-key rate limits and the blueprint every API resource uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import flask_smorest
from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import or_, update
from werkzeug.exceptions import HTTPException

from app.core.api import keys
from app.core.api.errors import api_abort, handle_http_exception, handle_unexpected
from app.core.api.models import ApiKey
from app.core.db import utcnow
from app.extensions import csrf, db, limiter

DEFAULT_RATE_LIMIT = "600/minute"
# last_used_at is for people ("used 3 minutes ago"): one write a minute per key is plenty.
USE_RESOLUTION = timedelta(minutes=1)
REALM = 'Bearer realm="Herald API"'


def presented_key() -> str | None:
    """The key in `Authorization: Bearer <key>`, or None."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    return credentials if scheme.lower() == "bearer" and credentials else None


def authenticate() -> None:
    """Before every API request: the key must be valid and active (else 401)."""
    presented = presented_key()
    if presented is None:
        api_abort(
            401,
            "Send your API key as Authorization: Bearer <key>.",
            headers={"WWW-Authenticate": REALM},
        )
    key = keys.authenticate(presented)
    if key is None:
        api_abort(
            401,
            "This API key is not valid or has been revoked.",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    g.api_key = key
    g.api_workspace_id = key.workspace_id
    record_use(key)


def workspace_id() -> int:
    """The workspace the request's key acts for: the scope of every query."""
    return g.api_workspace_id


def record_use(key: ApiKey, now: datetime | None = None) -> None:
    """Remember when the key was last used, writing at most once a minute. Commits."""
    now = now or utcnow()
    if key.last_used_at is not None and now - key.last_used_at < USE_RESOLUTION:
        return
    # Conditional, so concurrent requests with the same key write once between them.
    db.session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - USE_RESOLUTION),
        )
        .values(last_used_at=now)
    )
    db.session.commit()


def rate_limit_key() -> str:
    """Requests are counted per key prefix (no database read: this runs before authentication).

    Requests without a well-formed key are counted per address instead.
    """
    presented = presented_key() or ""
    if presented.startswith(keys.KEY_PREFIX):
        prefix = presented[len(keys.KEY_PREFIX) :].partition("_")[0]
        if prefix:
            return f"api-key:{prefix}"
    return f"api-address:{get_remote_address()}"


def rate_limit() -> str:
    """The per-key limit, e.g. "600/minute" (setting API_RATE_LIMIT)."""
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _document_common_responses(doc: dict[str, Any], _doc_info: Any, **_kwargs: Any) -> dict:
    """Every operation can answer 401 (key) and 429 (rate limit): say so in the document."""
    responses = doc.setdefault("responses", {})
    responses.setdefault(401, "UNAUTHORIZED")
    responses.setdefault(429, "TOO_MANY_REQUESTS")
    return doc


class ApiBlueprint(flask_smorest.Blueprint):
    """A resource of the REST API: key-authenticated, rate limited, CSRF-exempt, JSON errors."""

    def __init__(self, name: str, import_name: str, *, tag: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, **kwargs)
        self.tag = tag
        self.before_request(authenticate)
        # Blueprint handlers win over the dashboard's app-wide ones for the API's routes.
        self.register_error_handler(HTTPException, handle_http_exception)
        self.register_error_handler(Exception, handle_unexpected)
        self._prepare_doc_cbks.append(_document_common_responses)
        csrf.exempt(self)  # keys, not cookies, authenticate: no CSRF to defend against
        # One bucket per key across every resource (the scope is shared by all API blueprints).
        limiter.shared_limit(rate_limit, scope="api-v1", key_func=rate_limit_key)(self)

    def route(
        self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a view; its operations are grouped under the blueprint's tag."""
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)
