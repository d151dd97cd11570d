"""Subscribers' names and pictures, read once from Facebook in the background and refreshed.

Profile pictures are signed URLs that expire, so profiles are refreshed weekly; a failure never
blocks anything: the subscriber keeps a neutral name until a later try succeeds.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from app.core import events
from app.core.db import utcnow
from app.core.facebook import PageUnavailable, graph_for, react_to
from app.core.graph import GraphError, InvalidParameter, PermissionDenied, RateLimited
from app.core.models import Page, PageStatus
from app.core.queue import enqueue, work_id
from app.core.scheduling import register_sweep
from app.core.subscribers.models import ProfileStatus, Subscriber
from app.extensions import db

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=7)
RETRY_UNAVAILABLE_AFTER = timedelta(days=1)
SWEEP_BATCH = 500


def fetch_profile(subscriber_id: int) -> None:
    """Job: read the subscriber's name, picture and locale through the Page's token."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return
    page = subscriber.page
    try:
        profile = graph_for(page).user_profile(
            subscriber.psid, fields=("name", "first_name", "last_name", "profile_pic", "locale")
        )
    except PageUnavailable:
        return  # the sweep tries again once the Page is reconnected
    except RateLimited:
        raise  # RQ retries later; nothing to record
    except (InvalidParameter, PermissionDenied) as exc:
        # Not every PSID has a readable profile (or the feature is not approved): not an error.
        if isinstance(exc, PermissionDenied):
            react_to(page, exc, "business_asset_user_profile_access")
        subscriber.profile_status = ProfileStatus.UNAVAILABLE
        subscriber.profile_fetched_at = utcnow()
        db.session.commit()
        return
    except GraphError as exc:
        react_to(page, exc)
        log.info("profile of subscriber %s not fetched: %s", subscriber_id, exc)
        return
    subscriber.name = profile.name or subscriber.name
    subscriber.first_name = profile.first_name or subscriber.first_name
    subscriber.last_name = profile.last_name or subscriber.last_name
    subscriber.profile_pic = profile.profile_pic or subscriber.profile_pic
    subscriber.locale = profile.locale or subscriber.locale
    subscriber.profile_status = ProfileStatus.FETCHED
    subscriber.profile_fetched_at = utcnow()
    db.session.commit()
    # Lists opened before the name arrived show it now instead of "Subscriber 1234".
    events.publish(
        subscriber.workspace_id, "subscriber", {"subscriber_id": subscriber.id}, page_id=page.id
    )


@register_sweep("profile-refresh", seconds=600)
def queue_profile_refreshes() -> None:
    """Queue fetches for pending profiles and refreshes for stale ones, a batch per run."""
    now = utcnow()
    query = (
        select(Subscriber.id)
        .join(Page, Page.id == Subscriber.page_id)
        .where(
            Page.status == PageStatus.CONNECTED,
            or_(
                Subscriber.profile_status == ProfileStatus.PENDING,
                Subscriber.profile_fetched_at < now - REFRESH_AFTER,
                (Subscriber.profile_status == ProfileStatus.UNAVAILABLE)
                & (Subscriber.profile_fetched_at < now - RETRY_UNAVAILABLE_AFTER),
            ),
        )
        .order_by(Subscriber.profile_fetched_at.is_(None).desc(), Subscriber.profile_fetched_at)
        .limit(SWEEP_BATCH)
    )
    for subscriber_id in db.session.scalars(query):
        enqueue(
            "app.core.subscribers.profiles.fetch_profile",
            subscriber_id,
            job_id=work_id("profile", subscriber_id),
        )
