"""Cursor pagination: `limit` + opaque `cursor` in, `{"data": [...], "next_cursor"}` out.

Keyset on the id: each page asks for rows with an id above the last one seen, so rows inserted
meanwhile never shift a page (no duplicates, no gaps) and deep pages cost what the first one does.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from app.core.db import MAX_ID, parse_id
from app.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_CURSOR_VERSION = "v1:"  # lets the encoding change later without misreading old cursors


def encode_cursor(last_id: int) -> str:
    """The opaque cursor that continues after `last_id`."""
    raw = f"{_CURSOR_VERSION}{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    last_id = parse_id(raw.removeprefix(_CURSOR_VERSION))
    if not raw.startswith(_CURSOR_VERSION) or last_id is None:
        raise ValueError("not a cursor")
    return last_id


class Id(ma.fields.Integer):
    """A row id given by a client: a whole number from 1 to the largest id a row can have."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", ma.validate.Range(min=1, max=MAX_ID))
        super().__init__(**kwargs)


class Cursor(ma.fields.String):
    """A `next_cursor` from a previous page, read back as the id it continues after."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return decode_cursor(text)
        except ValueError as exc:
            raise ma.ValidationError("Not a valid cursor; use next_cursor as given.") from exc


class ListArgsSchema(ma.Schema):
    """Query parameters of every list."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page (1-{MAX_LIMIT}, default {DEFAULT_LIMIT})."},
    )
    cursor = Cursor(
        load_default=None,
        metadata={"description": "The next_cursor of the previous page; omit for the first."},
    )


def list_schema(item_schema: type[ma.Schema], name: str, **extra: ma.fields.Field) -> type:
    """The schema of one page of `item_schema` items (`name` names it in the OpenAPI document)."""
    return ma.Schema.from_dict(
        {
            "data": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as cursor to get the next page; null at the end."},
            ),
            **extra,
        },
        name=name,
    )


def paginate(
    query: Select[Any], id_column: InstrumentedAttribute[int], args: dict[str, Any]
) -> dict[str, Any]:
    """One page of `query` in id order, after `args["cursor"]`, of `args["limit"]` rows."""
    limit = args["limit"]
    if args.get("cursor") is not None:
        query = query.where(id_column > args["cursor"])
    # One row more than asked says whether another page exists, without a COUNT.
    rows = list(db.session.scalars(query.order_by(None).order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": rows, "next_cursor": encode_cursor(rows[-1].id) if more else None}
