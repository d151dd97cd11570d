"""A Graph call, independent of Flask: built from an HTTP request or from a batch operation.

Parameters arrive as query/form strings (object values are JSON strings) or as a JSON body
(object values are objects); the accessors here accept both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sandbox import errors

DEFAULT_VERSION = "v25.0"
_VERSION_RE = re.compile(r"^v\d+\.\d+$")


@dataclass
class GraphRequest:
    """One Graph call: method, version-less path, merged parameters and the access token."""

    method: str
    path: str  # without version prefix or surrounding slashes, e.g. "me/messages"
    params: dict[str, Any]
    token: str | None
    base_url: str  # scheme://host[:port] of this server, for paging links
    version: str | None = None
    batch_op: bool = False
    segments: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.segments = [s for s in self.path.split("/") if s]

    @property
    def api_version(self) -> str:
        """Return the version the call addressed (Graph's oldest available when unversioned)."""
        return self.version or DEFAULT_VERSION

    def text(self, name: str, default: str | None = None) -> str | None:
        """Return a parameter as a string (JSON-body scalars are stringified)."""
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        return json.dumps(value)

    def obj(self, name: str) -> Any:
        """Return a parameter decoded from JSON when it is a string; None when absent."""
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def names(self, name: str) -> list[str] | None:
        """Return a list parameter given as ``a,b``, a JSON array string or a JSON array."""
        value = self.obj(name)
        if value is None:
            return None
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).split(",") if part.strip()]

    def flag(self, name: str, default: bool) -> bool:
        """Return a boolean parameter (``true``/``false``, ``1``/``0``)."""
        value = self.text(name)
        if value is None:
            return default
        return value.strip().lower() in ("true", "1")

    def fields(self, default: list[str]) -> list[str]:
        """Return the top-level names of ``fields`` (nested ``{...}`` ignored), plus ``id``.

        Graph always includes a node's ``id``, asked for or not.
        """
        raw = self.text("fields")
        names = parse_fields(raw) if raw else list(default)
        return names if "id" in names else [*names, "id"]

    def url(self, path: str, query: dict[str, Any]) -> str:
        """Return an absolute URL on this server with the call's version prefix."""
        prefix = f"/{self.version}" if self.version else ""
        return f"{self.base_url}{prefix}/{path}?{urlencode(query)}"


def parse_fields(raw: str) -> list[str]:
    """Split ``a,b{c,d},e.limit(2)`` into ``["a", "b", "e"]``."""
    names: list[str] = []
    depth, current = 0, ""
    for char in raw:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        elif char == "," and depth == 0:
            names.append(current)
            current = ""
            continue
        if depth == 0 and char not in "})":
            current += char
    names.append(current)
    cleaned = [re.split(r"[.{(]", name.strip(), maxsplit=1)[0] for name in names]
    return [name for name in cleaned if name]


def split_version(path: str) -> tuple[str | None, str]:
    """Split ``v25.0/me`` into ``("v25.0", "me")``; unversioned paths give ``(None, path)``."""
    path = path.strip("/")
    head, _, rest = path.partition("/")
    if _VERSION_RE.match(head):
        return head, rest
    return None, path


def token_from_header(value: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer|OAuth <token>`` header."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def require_object(request: GraphRequest, name: str) -> dict[str, Any]:
    """Return a required JSON-object parameter or raise Graph's 100 error."""
    value = request.obj(name)
    if value is None or value == "":
        raise errors.invalid_param(f"The parameter {name} is required")
    if not isinstance(value, dict):
        raise errors.invalid_param(f"param {name} must be a JSON object")
    return value
