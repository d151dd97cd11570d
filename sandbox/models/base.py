"""Declarative base of the sandbox's own tables (never shared with Herald's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Base class of every sandbox model; JSON-typed annotations map to SQLite JSON text."""

    type_annotation_map = {
        dict[str, Any]: JSON,
        dict[str, str]: JSON,
        list[str]: JSON,
        list[float]: JSON,
        list[int]: JSON,
        list[Any]: JSON,
        Any: JSON,
    }
