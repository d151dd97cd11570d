"""Facebook's deauthorize and data-deletion callbacks, authenticated by `signed_request`.

A signed_request is `base64url(signature).base64url(payload)`, the signature being HMAC-SHA256
of the encoded payload with the app secret. Anything else, or one older than a day, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

from flask import current_app
from redis import RedisError
from sqlalchemy import select

from app.accounts.models import DataDeletionRequest, DeletionStatus
from app.core.db import utcnow
from app.core.models import Page, PageStatus, User
from app.core.pages import mark_needs_reconnect
from app.core.queue import enqueue, work_id
from app.core.scheduling import register_sweep
from app.extensions import db

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 24 * 3600
CLOCK_SKEW_SECONDS = 300


class SignedRequestError(ValueError):
    """The signed_request is malformed, forged or expired."""


def _b64decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignedRequestError("not base64url") from exc


def verify_signed_request(signed_request: str, now: float | None = None) -> dict[str, Any]:
    """The payload of a genuine, fresh signed_request, or SignedRequestError."""
    encoded_signature, _, encoded_payload = signed_request.partition(".")
    if not encoded_signature or not encoded_payload:
        raise SignedRequestError("malformed")
    secret = current_app.config["FACEBOOK_APP_SECRET"].encode()
    expected = hmac.new(secret, encoded_payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64decode(encoded_signature)):
        raise SignedRequestError("bad signature")
    try:
        payload = json.loads(_b64decode(encoded_payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignedRequestError("payload is not JSON") from exc
    if not isinstance(payload, dict) or str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise SignedRequestError("unexpected algorithm")
    _check_freshness(payload, time.time() if now is None else now)
    if not payload.get("user_id"):
        raise SignedRequestError("no user_id")
    return payload


def _check_freshness(payload: dict[str, Any], now: float) -> None:
    issued_at, expires = payload.get("issued_at"), payload.get("expires")
    if not isinstance(issued_at, int | float):
        raise SignedRequestError("no issued_at")
    if issued_at > now + CLOCK_SKEW_SECONDS or now - issued_at > MAX_AGE_SECONDS:
        raise SignedRequestError("expired")
    if isinstance(expires, int | float) and expires and expires < now:
        raise SignedRequestError("expired")


def _user(facebook_user_id: str) -> User | None:
    query = select(User).where(User.facebook_user_id == str(facebook_user_id))
    return db.session.scalars(query).first()


def deauthorize(payload: dict[str, Any]) -> None:
    """The person removed Herald: forget their token; their Pages must be reconnected."""
    user = _user(payload["user_id"])
    if user is None:
        return
    user.facebook_token = None
    user.facebook_permissions = {}
    db.session.commit()
    query = select(Page).where(Page.connected_by_id == user.id, Page.status == PageStatus.CONNECTED)
    for page in db.session.scalars(query).all():
        mark_needs_reconnect(page, f"{user.name} removed Herald from their Facebook account.")


def request_deletion(payload: dict[str, Any]) -> DataDeletionRequest:
    """Record the request under a new confirmation code and queue the deletion.

    Facebook sends one request per removal; a repeated request simply gets its own code (the
    deletion itself is idempotent).
    """
    deletion = DataDeletionRequest(
        confirmation_code=secrets.token_hex(8), facebook_user_id=str(payload["user_id"])
    )
    db.session.add(deletion)
    db.session.commit()
    try:
        _queue_deletion(deletion.id)
    except RedisError as exc:  # recorded: the sweep below queues it once Redis is back
        log.warning("data deletion %s recorded but not queued: %s", deletion.id, exc)
    return deletion


def _queue_deletion(deletion_id: int) -> None:
    enqueue(
        "app.accounts.callbacks.delete_facebook_data",
        deletion_id,
        job_id=work_id("data-deletion", deletion_id),
    )


@register_sweep("data-deletions", seconds=300)
def queue_pending_deletions() -> None:
    """Queue again deletions still pending after a while (a lost job): Facebook requires them."""
    query = select(DataDeletionRequest.id).where(
        DataDeletionRequest.status == DeletionStatus.PENDING,
        DataDeletionRequest.created_at < utcnow() - timedelta(minutes=5),
    )
    for deletion_id in db.session.scalars(query):
        _queue_deletion(deletion_id)


def deletion_by_code(code: str) -> DataDeletionRequest | None:
    """A deletion request by its public confirmation code."""
    query = select(DataDeletionRequest).where(DataDeletionRequest.confirmation_code == code)
    return db.session.scalars(query).first()


def delete_facebook_data(deletion_id: int) -> None:
    """Job: remove everything Herald holds from the person's Facebook account."""
    deletion = db.session.get(DataDeletionRequest, deletion_id)
    if deletion is None or deletion.status == DeletionStatus.COMPLETED:
        return
    user = _user(deletion.facebook_user_id)
    if user is None:
        summary = "Herald holds no data from this Facebook account."
    else:
        user.facebook_user_id = None
        user.facebook_name = None
        user.facebook_token = None
        user.facebook_token_expires_at = None
        user.facebook_permissions = {}
        summary = (
            "Removed the Facebook account's id, name, access token and permission records from "
            "the Herald account it was connected to."
        )
    deletion.status = DeletionStatus.COMPLETED
    deletion.summary = summary
    deletion.completed_at = utcnow()
    db.session.commit()
    log.info("data deletion %s completed", deletion.confirmation_code)
