"""CSV export of a filtered audience, streamed: memory stays flat whatever the audience size."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from app.core.db import utcnow
from app.core.models import Page
from app.core.spreadsheets import cell
from app.core.subscribers import edits, segments
from app.core.subscribers.models import Subscriber, SubscriberField, SubscriberTag
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db

CHUNK = 500
COLUMNS = (
    "id",
    "psid",
    "page",
    "name",
    "first_name",
    "last_name",
    "locale",
    "source",
    "ref",
    "subscribed",
    "unreachable",
    "first_seen_at",
    "last_inbound_at",
    "tags",
)
FIELD_PREFIX = "field:"


def _when(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def _extras(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """Tags and custom fields of a chunk of subscribers, in two queries."""
    tags: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(SubscriberTag.subscriber_id, SubscriberTag.tag)
        .where(SubscriberTag.subscriber_id.in_(ids))
        .order_by(SubscriberTag.tag)
    )
    for subscriber_id, tag in rows:
        tags.setdefault(subscriber_id, []).append(tag)
    values: dict[int, dict[str, str]] = {}
    rows = db.session.execute(
        select(SubscriberField.subscriber_id, SubscriberField.name, SubscriberField.value).where(
            SubscriberField.subscriber_id.in_(ids)
        )
    )
    for subscriber_id, name, value in rows:
        values.setdefault(subscriber_id, {})[name] = value
    return tags, values


def csv_lines(workspace_id: int, segment_filter: SegmentFilter) -> Iterator[str]:
    """The header, then one line per subscriber in the filter, by id.

    Rows are read in keyset chunks (id > last), so no cursor stays open between chunks and a
    slow download never holds a database transaction.
    """
    now = utcnow()  # one instant for the whole file: window filters must not drift mid-export
    field_names = edits.known_fields(workspace_id)
    yield _line([*COLUMNS, *(FIELD_PREFIX + name for name in field_names)])
    statement = segments.query(workspace_id, segment_filter, now).add_columns(Page.name)
    last_id = 0
    while True:
        chunk = db.session.execute(statement.where(Subscriber.id > last_id).limit(CHUNK)).all()
        if not chunk:
            return
        tags, values = _extras([subscriber.id for subscriber, _ in chunk])
        for subscriber, page_name in chunk:
            fields = values.get(subscriber.id, {})
            yield _line(
                [
                    str(subscriber.id),
                    subscriber.psid,
                    cell(page_name),
                    cell(subscriber.name),
                    cell(subscriber.first_name),
                    cell(subscriber.last_name),
                    subscriber.locale or "",
                    subscriber.source.value,
                    cell(subscriber.ref),
                    "yes" if subscriber.subscribed else "no",
                    "yes" if subscriber.unreachable else "no",
                    _when(subscriber.first_seen_at),
                    _when(subscriber.last_inbound_at),
                    cell(", ".join(tags.get(subscriber.id, []))),
                    *(cell(fields.get(name)) for name in field_names),
                ]
            )
        last_id = chunk[-1][0].id
        for subscriber, _ in chunk:
            db.session.expunge(subscriber)  # keep the identity map from growing with the file
