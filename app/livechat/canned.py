"""Canned responses (saved answers by shortcut) and the live chat settings of a workspace."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.models import Workspace
from app.extensions import db
from app.livechat.models import CannedResponse

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_HUMAN_AGENT_REPLIES = 10


class CannedError(ValueError):
    """A canned response or setting that cannot be saved; the message is for the user."""


def responses(workspace_id: int) -> list[CannedResponse]:
    """The workspace's canned responses by shortcut."""
    query = select(CannedResponse).where(CannedResponse.workspace_id == workspace_id)
    return list(db.session.scalars(query.order_by(CannedResponse.shortcut)))


def save(workspace_id: int, shortcut: str, text: str) -> CannedResponse:
    """Create or replace the response for `shortcut` ("/hours" or "hours"). Commits."""
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise CannedError("A shortcut is letters, digits, - and _ (e.g. hours).")
    if not text.strip():
        raise CannedError("The response is empty.")
    query = select(CannedResponse).where(
        CannedResponse.workspace_id == workspace_id, CannedResponse.shortcut == shortcut
    )
    row = db.session.scalars(query).first() or CannedResponse(
        workspace_id=workspace_id, shortcut=shortcut
    )
    row.text = text.strip()
    db.session.add(row)
    db.session.commit()
    return row


def delete(workspace_id: int, response_id: int) -> None:
    """Delete a canned response of the workspace (others' ids do nothing). Commits."""
    row = db.session.get(CannedResponse, response_id)
    if row is not None and row.workspace_id == workspace_id:
        db.session.delete(row)
        db.session.commit()


def update_settings(workspace: Workspace, human_agent_replies: int, hold_minutes: int) -> None:
    """Live chat settings: HUMAN_AGENT replies per person message, automation hold time."""
    if not 1 <= human_agent_replies <= MAX_HUMAN_AGENT_REPLIES:
        raise CannedError(f"Allow between 1 and {MAX_HUMAN_AGENT_REPLIES} Human Agent replies.")
    if not 0 <= hold_minutes <= 24 * 60:
        raise CannedError("The hold time is between 0 and 1440 minutes.")
    workspace.settings = {
        **(workspace.settings or {}),
        "human_agent_replies": human_agent_replies,
        "operator_hold_minutes": hold_minutes,
    }
    db.session.commit()
