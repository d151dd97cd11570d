"""Jobs used only by tests that run real worker processes."""

from __future__ import annotations

from app.core.models import Workspace
from app.extensions import db, redis_client


def create_workspace(name: str) -> int:
    """Insert a workspace (proves the worker has an app context and the database)."""
    workspace = Workspace(name=name)
    db.session.add(workspace)
    db.session.commit()
    redis_client.client.rpush("test:jobs-run", name)
    return workspace.id


def fail_always(marker: str) -> None:
    """A job that always fails, to exercise failure handling."""
    raise RuntimeError(f"failing on purpose: {marker}")
