"""What marketers do with broadcasts, for the dashboard and the API alike.

Create and change drafts (every Messenger limit checked), schedule or send now, pause, resume,
cancel, send a test to oneself. Each state change is a conditional update in `lifecycle`, so a
click racing the scheduler can never start a broadcast twice or edit one that already started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.broadcasts import audience, lifecycle, media, render
from app.broadcasts import content as composed
from app.broadcasts.models import Broadcast, BroadcastStatus, Intent
from app.broadcasts.personalize import values_for
from app.core import messaging, policy
from app.core.db import utcnow
from app.core.messages.models import Message
from app.core.models import Page, PageStatus, User
from app.core.subscribers.models import Subscriber
from app.extensions import db

MAX_NAME = 120


class BroadcastError(ValueError):
    """What the marketer asked cannot be done; `problems` says why, in words."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else problems
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class Draft:
    """Everything a marketer composes."""

    page_id: int | None
    name: str
    content: dict[str, Any]
    audience: dict[str, Any]
    intent: str = Intent.PROMOTIONAL.value
    tag: str | None = None


def get(workspace_id: int, broadcast_id: int) -> Broadcast | None:
    """A broadcast of the workspace (another workspace's id finds nothing)."""
    broadcast = db.session.get(Broadcast, broadcast_id)
    return broadcast if broadcast is not None and broadcast.workspace_id == workspace_id else None


def listing(workspace_id: int, statuses: list[BroadcastStatus] | None = None) -> list[Broadcast]:
    """The workspace's broadcasts, newest first."""
    query = select(Broadcast).where(Broadcast.workspace_id == workspace_id)
    if statuses:
        query = query.where(Broadcast.status.in_(statuses))
    return list(db.session.scalars(query.order_by(Broadcast.id.desc()).limit(500)))


def _page(workspace_id: int, page_id: int | None) -> Page | None:
    page = db.session.get(Page, page_id) if page_id else None
    if page is None or page.workspace_id != workspace_id or page.status == PageStatus.DISCONNECTED:
        return None
    return page


def _rules_problems(intent: str, tag: str | None) -> list[str]:
    if intent == Intent.PROMOTIONAL.value:
        return []
    if intent != Intent.UPDATE.value:
        return ["Choose promotional or a non-promotional update."]
    if tag not in policy.UPDATE_TAGS:
        return ["Choose the tag that describes this update (event, purchase or account)."]
    return []


def problems(workspace_id: int, draft: Draft) -> tuple[list[str], dict[str, Any]]:
    """Everything wrong with a draft, and its audience as it would be stored."""
    found = []
    if not draft.name.strip():
        found.append("Give the broadcast a name (only your team sees it).")
    if len(draft.name) > MAX_NAME:
        found.append(f"The name is over {MAX_NAME} characters.")
    if _page(workspace_id, draft.page_id) is None:
        found.append("Choose one of your connected Pages.")
    content = composed.normalize(draft.content)
    found += composed.problems(content)
    file_id = (content.get("media") or {}).get("file_id")
    if content["kind"] == "media" and file_id and not media.get_file(workspace_id, file_id):
        found.append("The uploaded file is gone; upload it again.")
    found += _rules_problems(draft.intent, draft.tag)
    stored_audience: dict[str, Any] = {}
    try:
        stored_audience = audience.resolve(workspace_id, draft.audience)
    except audience.AudienceError as exc:
        found.append(str(exc))
    return found, stored_audience


def _values(draft: Draft, stored_audience: dict[str, Any]) -> dict[str, Any]:
    return {
        "page_id": draft.page_id,
        "name": draft.name.strip(),
        "message": composed.normalize(draft.content),
        "audience": stored_audience,
        "intent": Intent(draft.intent),
        "tag": draft.tag if draft.intent == Intent.UPDATE.value else None,
    }


def create(workspace_id: int, author: User | None, draft: Draft) -> Broadcast:
    """Store a new draft. Commits; raises BroadcastError listing every problem."""
    found, stored_audience = problems(workspace_id, draft)
    if found:
        raise BroadcastError(found)
    broadcast = Broadcast(
        workspace_id=workspace_id,
        created_by=author,
        status=BroadcastStatus.DRAFT,
        timezone=_workspace_zone(author),
        **_values(draft, stored_audience),
    )
    db.session.add(broadcast)
    db.session.commit()
    return broadcast


def _workspace_zone(author: User | None) -> str:
    return (author.workspace.timezone if author is not None else None) or "UTC"


def change(broadcast: Broadcast, draft: Draft) -> Broadcast:
    """Change a draft or scheduled broadcast. Commits; refused once sending started."""
    found, stored_audience = problems(broadcast.workspace_id, draft)
    if found:
        raise BroadcastError(found)
    _change_if(broadcast, _EDITABLE, **_values(draft, stored_audience))
    return broadcast


_EDITABLE = {BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED}


def _change_if(broadcast: Broadcast, statuses: set[BroadcastStatus], **values: object) -> None:
    """Change the broadcast if it is still in one of `statuses` (BroadcastError if not)."""
    changed = lifecycle.transition(broadcast.id, statuses, **values)
    db.session.refresh(broadcast)
    if not changed:
        raise BroadcastError(f"It is already {broadcast.status.value}: it can no longer change.")


def schedule(broadcast: Broadcast, at: datetime | None, zone_name: str | None = None) -> Broadcast:
    """Send at `at` (aware), or now when `at` is None or past. Commits."""
    if not broadcast.page.is_usable:
        raise BroadcastError(f"{broadcast.page.name} must be reconnected before it can send.")
    if at is None or at <= utcnow():
        if not lifecycle.start(broadcast):
            raise BroadcastError(f"It is already {broadcast.status.value}.")
        return broadcast
    _change_if(
        broadcast,
        _EDITABLE,
        status=BroadcastStatus.SCHEDULED,
        scheduled_at=at,
        timezone=zone_name or broadcast.timezone,
    )
    lifecycle.publish(broadcast, force=True)
    return broadcast


def unschedule(broadcast: Broadcast) -> Broadcast:
    """Back to draft, if it has not started. Commits."""
    if not lifecycle.transition(
        broadcast.id, {BroadcastStatus.SCHEDULED}, status=BroadcastStatus.DRAFT
    ):
        db.session.refresh(broadcast)
        raise BroadcastError(f"It is {broadcast.status.value}, not scheduled.")
    db.session.refresh(broadcast)
    return broadcast


def pause(broadcast: Broadcast, by: str) -> Broadcast:
    """Pause a sending broadcast. Commits."""
    if not lifecycle.pause(broadcast, f"Paused by {by}"[:300]):
        raise BroadcastError(f"It is {broadcast.status.value}: only a sending broadcast pauses.")
    return broadcast


def resume(broadcast: Broadcast) -> Broadcast:
    """Continue a paused broadcast. Commits."""
    if broadcast.status == BroadcastStatus.PAUSED and not broadcast.page.is_usable:
        raise BroadcastError(f"Reconnect {broadcast.page.name} first; it then resumes by itself.")
    if not lifecycle.resume(broadcast):
        raise BroadcastError(f"It is {broadcast.status.value}: only a paused broadcast resumes.")
    return broadcast


def cancel(broadcast: Broadcast) -> Broadcast:
    """Cancel a broadcast that has not finished. Commits."""
    if not lifecycle.cancel(broadcast):
        raise BroadcastError(f"It is {broadcast.status.value}: it cannot be cancelled.")
    return broadcast


def duplicate(broadcast: Broadcast, author: User | None) -> Broadcast:
    """A new draft with the same content, audience and rules. Commits."""
    copy = Broadcast(
        workspace_id=broadcast.workspace_id,
        page_id=broadcast.page_id,
        name=f"{broadcast.name} (copy)"[:MAX_NAME],
        message=dict(broadcast.message),
        audience=dict(broadcast.audience),
        intent=broadcast.intent,
        tag=broadcast.tag,
        timezone=broadcast.timezone,
        created_by=author,
    )
    db.session.add(copy)
    db.session.commit()
    return copy


def candidates_for_test(page: Page, search: str = "", limit: int = 30) -> list[Subscriber]:
    """Subscribers of the Page whose 24-hour window is open, most recently active first."""
    query = select(Subscriber).where(
        Subscriber.page_id == page.id,
        Subscriber.last_inbound_at >= utcnow() - policy.WINDOW,
        Subscriber.unreachable.is_(False),
    )
    if search.strip():
        query = query.where(Subscriber.name.ilike(f"%{search.strip()}%"))
    return list(db.session.scalars(query.order_by(Subscriber.last_inbound_at.desc()).limit(limit)))


def send_test(broadcast: Broadcast, subscriber_id: int, author: User | None) -> Message:
    """Send the broadcast to one subscriber of its Page whose window is open (taps not counted)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.page_id != broadcast.page_id:
        raise BroadcastError("Choose a subscriber of this broadcast's Page.")
    if policy.window_state(subscriber).window != policy.Window.OPEN:
        raise BroadcastError(
            f"{subscriber.display_name} has not written to {broadcast.page.name} in the last 24 "
            "hours. Send the Page a message from that Messenger account first."
        )
    target = render.Target(
        broadcast.id,
        current_app.config["PUBLIC_URL"],
        track=False,  # a tester's taps are not the audience's clicks
        media_payload=media.media_payload(broadcast.page, broadcast.message),
    )
    message = render.message(
        broadcast.message, values_for(subscriber, subscriber.field_values), target
    )
    return messaging.queue_message(
        subscriber,
        message,
        origin="broadcast_test",
        origin_id=broadcast.id,
        sender=policy.Sender.AUTOMATION,
        purpose=policy.Purpose.PROACTIVE,
        author=author,
    )


def preview_counts(
    broadcast_or_draft: Broadcast | Draft, workspace_id: int
) -> audience.AudienceCounts | None:
    """Who would receive it if sent now (None when the Page or audience is not usable yet)."""
    page = _page(workspace_id, broadcast_or_draft.page_id)
    if page is None:
        return None
    raw = broadcast_or_draft.audience
    try:
        stored = (
            audience.resolve(workspace_id, raw) if isinstance(broadcast_or_draft, Draft) else raw
        )
    except audience.AudienceError:
        return None
    intent = Intent(broadcast_or_draft.intent)
    return audience.counts(page, stored, intent, policy.settings_for(page.workspace))
