"""Absolute links to Herald for emails and Facebook, built from PUBLIC_URL (also in workers)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter

from app.core.db import MAX_ID


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of `endpoint` on Herald's public address, with or without a request."""
    base = current_app.config["PUBLIC_URL"]
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


class IdConverter(IntegerConverter):
    """`<int:...>` in Herald's routes: an id, so a number no row can have is a 404, not an error."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
