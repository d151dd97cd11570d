"""The results page: its figures, and the live stream that moves it."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_login import current_user

from app.broadcasts import audience, services, stats
from app.broadcasts.composer import SAMPLE, preview_message
from app.broadcasts.models import Broadcast, BroadcastStatus
from app.core import events

RECIPIENTS_PAGE = 50


def latest_event_id() -> str:
    """The newest live event: the page's stream continues from there."""
    return events.latest_id(current_user.workspace_id)


def progress_context(broadcast: Broadcast) -> dict[str, Any]:
    """What the live progress part shows (refreshed on every update: only what it needs)."""
    return {
        "broadcast": broadcast,
        "results": stats.results(broadcast),
        "timeline": stats.timeline(broadcast),
        "page": broadcast.page,
        "zone": broadcast.timezone,
    }


def results_context(broadcast: Broadcast) -> dict[str, Any]:
    """What the whole results page shows: the progress, the message, the audience if scheduled."""
    scheduled = broadcast.status == BroadcastStatus.SCHEDULED
    return progress_context(broadcast) | {
        "counts": services.preview_counts(broadcast, broadcast.workspace_id) if scheduled else None,
        "exclusion_labels": audience.EXCLUSION_LABELS,
        "message": preview_message(broadcast.message, SAMPLE),
    }


def event_stream() -> Response:
    """Server-sent events of the workspace's broadcasts on Pages the user may see."""
    return events.stream_response(lambda event: event.type == "broadcast")
