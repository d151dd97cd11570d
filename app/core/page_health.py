"""The scheduled health check of connected Pages: is the token alive, are permissions granted?

Facebook does not tell Herald when a token dies (password change, role removed, app removed);
checking regularly means the reconnect banner shows before a broadcast fails, not after.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.core.db import utcnow
from app.core.facebook import graph_for_app, graph_for_user
from app.core.graph import GraphError, TokenInvalid
from app.core.models import Page, PageStatus
from app.core.pages import mark_needs_reconnect, mark_permission_missing
from app.core.permissions import missing_requested, requested_permissions
from app.core.queue import enqueue, work_id
from app.core.scheduling import register_sweep
from app.extensions import db

log = logging.getLogger(__name__)

REASONS = {
    458: "Herald was removed from the Facebook account that connected it.",
    459: "The Facebook account that connected it is checkpointed.",
    460: "The password of the Facebook account that connected it changed.",
    463: "Its access expired.",
    467: "The Facebook account that connected it logged out.",
}


@register_sweep("page-health", seconds=300)
def queue_due_checks() -> None:
    """Queue a check of every connected Page not checked within PAGE_HEALTH_CHECK_HOURS."""
    cutoff = utcnow() - timedelta(hours=current_app.config["PAGE_HEALTH_CHECK_HOURS"])
    query = select(Page.id).where(
        Page.status == PageStatus.CONNECTED,
        or_(Page.checked_at.is_(None), Page.checked_at < cutoff),
    )
    for page_id in db.session.scalars(query):
        enqueue("app.core.page_health.check_page", page_id, job_id=work_id("page-health", page_id))


def check_page(page_id: int) -> None:
    """Job: ask Facebook whether `page`'s token is valid and its permissions still granted."""
    page = db.session.get(Page, page_id)
    if page is None or not page.is_usable:
        return
    try:
        info = graph_for_app().debug_token(page.access_token or "")
    except GraphError as exc:
        log.info("health check of page %s could not run: %s", page.id, exc)
        return
    if not info.is_valid:
        reason = REASONS.get(
            info.error_subcode or 0, "Facebook no longer accepts its access token."
        )
        mark_needs_reconnect(page, reason)
        return
    # Gaps the check cannot see (a feature Meta did not approve) stay until a reconnect.
    unseen = set(page.missing_permissions or []) - set(requested_permissions())
    missing = sorted(set(_missing_permissions(page)) | unseen)
    newly_missing = sorted(set(missing) - set(page.missing_permissions or []))
    # Re-granted permissions drop off now; new ones are added (and admins told) one by one.
    page.missing_permissions = sorted(set(missing) - set(newly_missing))
    page.checked_at = utcnow()
    db.session.commit()
    for permission in newly_missing:
        mark_permission_missing(page, permission)


def _missing_permissions(page: Page) -> list[str]:
    user = page.connected_by
    if user is None or not user.facebook_token:
        return list(page.missing_permissions or [])
    try:
        statuses = {p.name: p.status for p in graph_for_user(user).permissions()}
    except TokenInvalid:
        user.facebook_token = None
        return list(page.missing_permissions or [])
    except GraphError:
        return list(page.missing_permissions or [])
    user.facebook_permissions = statuses
    user.facebook_checked_at = utcnow()
    return sorted(missing_requested(statuses))
