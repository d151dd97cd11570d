"""Saved segments: create, rename, change and delete named filters of a workspace."""

from __future__ import annotations

from sqlalchemy import select

from app.core.subscribers.segments import Segment, SegmentFilter
from app.extensions import db


class SegmentError(ValueError):
    """A segment request that cannot be honoured; the message is for the user."""


def segments(workspace_id: int) -> list[Segment]:
    """The workspace's saved segments by name."""
    query = select(Segment).where(Segment.workspace_id == workspace_id).order_by(Segment.name)
    return list(db.session.scalars(query))


def get(workspace_id: int, segment_id: int) -> Segment | None:
    """A saved segment of the workspace, or None (another workspace's id finds nothing)."""
    segment = db.session.get(Segment, segment_id)
    return segment if segment is not None and segment.workspace_id == workspace_id else None


def save(
    workspace_id: int, name: str, segment_filter: SegmentFilter, segment: Segment | None = None
) -> Segment:
    """Create or update a saved segment. Commits."""
    name = name.strip()
    if not name:
        raise SegmentError("Give the segment a name.")
    segment_filter.validate()
    if segment is None:
        segment = Segment(workspace_id=workspace_id)
        db.session.add(segment)
    segment.name = name[:120]
    segment.definition = segment_filter.to_json()
    db.session.commit()
    return segment


def remove(segment: Segment) -> None:
    """Delete a saved segment. Commits."""
    db.session.delete(segment)
    db.session.commit()
