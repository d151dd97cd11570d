"""Changes people make to subscribers: tags and custom fields (one by one or in bulk)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, delete, literal, select

from app.core.db import insert_ignore
from app.core.subscribers.models import Subscriber, SubscriberField, SubscriberTag
from app.extensions import db

TAG_PATTERN = re.compile(r"^[\w][\w .:-]{0,63}$")
FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FIELD_VALUE = 500


class EditError(ValueError):
    """A tag or field that cannot be stored; the message is for the user."""


def clean_tag(tag: str) -> str:
    """A tag as stored: trimmed, lower case, letters/digits/space/.:_- only."""
    cleaned = " ".join(tag.strip().lower().split())
    if not TAG_PATTERN.match(cleaned):
        raise EditError(f"“{tag}” is not a valid tag (up to 64 letters, digits, spaces, . : _ -).")
    return cleaned


def clean_field_name(name: str) -> str:
    """A custom field name: lower case, starting with a letter, then letters, digits or _."""
    cleaned = name.strip().lower()
    if not FIELD_PATTERN.match(cleaned):
        raise EditError(f"“{name}” is not a valid field name (letters, digits and _, e.g. city).")
    return cleaned


def add_tags(subscriber_ids: list[int], tags: list[str]) -> None:
    """Tag subscribers (already-tagged ones are left as they are). Caller commits."""
    for tag in {clean_tag(tag) for tag in tags}:
        for subscriber_id in subscriber_ids:
            insert_ignore(
                SubscriberTag.__table__,
                {"subscriber_id": subscriber_id, "tag": tag},
                ["subscriber_id", "tag"],
            )


def remove_tags(subscriber_ids: list[int], tags: list[str]) -> None:
    """Untag subscribers. Caller commits."""
    cleaned = [clean_tag(tag) for tag in tags]
    db.session.execute(
        delete(SubscriberTag).where(
            SubscriberTag.subscriber_id.in_(subscriber_ids), SubscriberTag.tag.in_(cleaned)
        )
    )


def set_fields(subscriber: Subscriber, values: dict[str, str | None]) -> None:
    """Set custom fields; a None or empty value removes the field. Caller commits."""
    for raw_name, value in values.items():
        name = clean_field_name(raw_name)
        existing = db.session.get(SubscriberField, (subscriber.id, name))
        if value is None or str(value).strip() == "":
            if existing is not None:
                db.session.delete(existing)
            continue
        text = str(value).strip()
        if len(text) > MAX_FIELD_VALUE:
            raise EditError(f"The value of {name} is over {MAX_FIELD_VALUE} characters.")
        if existing is None:
            db.session.add(SubscriberField(subscriber_id=subscriber.id, name=name, value=text))
        else:
            existing.value = text


def known_tags(workspace_id: int) -> list[str]:
    """Every tag in use in the workspace, for pickers."""
    query = (
        select(SubscriberTag.tag)
        .join(Subscriber, Subscriber.id == SubscriberTag.subscriber_id)
        .where(Subscriber.workspace_id == workspace_id)
        .distinct()
        .order_by(SubscriberTag.tag)
    )
    return list(db.session.scalars(query))


def known_fields(workspace_id: int) -> list[str]:
    """Every custom field name in use in the workspace."""
    query = (
        select(SubscriberField.name)
        .join(Subscriber, Subscriber.id == SubscriberField.subscriber_id)
        .where(Subscriber.workspace_id == workspace_id)
        .distinct()
        .order_by(SubscriberField.name)
    )
    return list(db.session.scalars(query))


def known_refs(workspace_id: int, limit: int = 200) -> list[str]:
    """Refs the workspace's subscribers arrived with, for filters' suggestions."""
    query = (
        select(Subscriber.ref)
        .where(Subscriber.workspace_id == workspace_id, Subscriber.ref.is_not(None))
        .distinct()
        .order_by(Subscriber.ref)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def add_tags_where(subscriber_ids: Select[tuple[int]], tags: list[str]) -> None:
    """Tag every subscriber a query selects, in one statement per tag. Caller commits."""
    for tag in {clean_tag(tag) for tag in tags}:
        rows = subscriber_ids.with_only_columns(subscriber_ids.selected_columns[0], literal(tag))
        statement = _insert(SubscriberTag).from_select(["subscriber_id", "tag"], rows)
        db.session.execute(
            statement.on_conflict_do_nothing(index_elements=["subscriber_id", "tag"])
        )


def remove_tags_where(subscriber_ids: Select[tuple[int]], tags: list[str]) -> None:
    """Untag every subscriber a query selects. Caller commits."""
    cleaned = [clean_tag(tag) for tag in tags]
    db.session.execute(
        delete(SubscriberTag).where(
            SubscriberTag.subscriber_id.in_(subscriber_ids.scalar_subquery()),
            SubscriberTag.tag.in_(cleaned),
        )
    )


def _insert(model: type) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)
