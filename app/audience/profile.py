"""Changes to one subscriber from their page: tags and custom fields, scoped to the workspace."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.audience.services import NotFound
from app.core.subscribers import edits
from app.core.subscribers.models import Subscriber
from app.extensions import db

FIELD_INPUT = "field:"  # the form names an existing field's input "field:<name>"


def subscriber_or_404(workspace_id: int, subscriber_id: int) -> Subscriber:
    """A subscriber of the workspace (another workspace's id raises NotFound)."""
    subscriber = db.session.scalar(
        select(Subscriber).where(
            Subscriber.id == subscriber_id, Subscriber.workspace_id == workspace_id
        )
    )
    if subscriber is None:
        raise NotFound(subscriber_id)
    return subscriber


def add_tags(subscriber: Subscriber, text: str) -> list[str]:
    """Tag one subscriber with the comma-separated tags of `text`. Commits; returns the tags."""
    tags = [edits.clean_tag(part) for part in text.split(",") if part.strip()]
    if not tags:
        raise edits.EditError("Type a tag to add.")
    edits.add_tags([subscriber.id], tags)
    db.session.commit()
    db.session.expire(subscriber, ["tags"])
    return tags


def remove_tag(subscriber: Subscriber, tag: str) -> None:
    """Untag one subscriber. Commits."""
    edits.remove_tags([subscriber.id], [tag])
    db.session.commit()
    db.session.expire(subscriber, ["tags"])


def set_fields(subscriber: Subscriber, values: dict[str, str]) -> None:
    """Change custom fields (an empty value removes the field). Commits, or rolls back on error."""
    try:
        edits.set_fields(subscriber, dict(values))
    except edits.EditError:
        db.session.rollback()
        raise
    db.session.commit()
    db.session.expire(subscriber, ["fields"])


def field_values_from(form: MultiDict[str, str]) -> Iterator[tuple[str, str]]:
    """(name, value) pairs of the custom-field form: existing fields, then the new one."""
    for key, value in form.items(multi=True):
        if key.startswith(FIELD_INPUT):
            yield key[len(FIELD_INPUT) :], value
    new_name = (form.get("new_name") or "").strip()
    if new_name:
        yield new_name, form.get("new_value") or ""
