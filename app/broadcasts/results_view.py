"""The results page: its figures, the recipients' CSV, and the live stream that moves it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, request, stream_with_context
from flask_login import current_user

from app.broadcasts import audience, display, services, stats
from app.broadcasts.composer import SAMPLE, TAG_GUIDANCE, preview_message
from app.broadcasts.models import Broadcast, BroadcastStatus
from app.core import events
from app.core.auth import visible_pages
from app.extensions import db, redis_client

RECIPIENTS_PAGE = 50


def latest_event_id() -> str:
    """The newest live event: the page's stream continues from there."""
    return events.latest_id(current_user.workspace_id)


def results_context(broadcast: Broadcast) -> dict[str, Any]:
    """What the results page and its live parts show."""
    scheduled = broadcast.status == BroadcastStatus.SCHEDULED
    return {
        "counts": services.preview_counts(broadcast, broadcast.workspace_id) if scheduled else None,
        "exclusion_labels": audience.EXCLUSION_LABELS,
        "broadcast": broadcast,
        "results": stats.results(broadcast),
        "timeline": stats.timeline(broadcast),
        "message": preview_message(broadcast.message, SAMPLE),
        "content": broadcast.message,
        "page": broadcast.page,
        "display": display,
        "zone": broadcast.timezone,
        "tag_guidance": TAG_GUIDANCE,
    }


def stream(chunks: Iterator[str]) -> Iterator[str]:
    """Stream a generator within the request's context."""
    return stream_with_context(chunks)


def event_stream() -> Response:
    """Server-sent events of the workspace, only for Pages the user may see."""
    workspace_id = current_user.workspace_id
    page_ids = {page.id for page in visible_pages(current_user)}
    last_id = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    db.session.remove()  # hold no database connection while the stream is open

    def allowed(event: events.Event) -> bool:
        return event.type == "broadcast" and event.page_id in page_ids

    body = events.stream(redis_client.client, workspace_id, last_id=last_id, allowed=allowed)
    return Response(
        stream_with_context(body),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
