"""Facebook's deauthorize and data-deletion callbacks, authenticated by signed_request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import callbacks
from app.accounts.models import DataDeletionRequest, DeletionStatus
from app.core.db import utcnow
from app.core.models import PageStatus
from app.core.queue import get_queue
from app.extensions import db
from tests.factories import PageFactory, UserFactory

SECRET = "dev-sandbox-app-secret"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(payload: dict, secret: str = SECRET) -> str:
    encoded = b64(json.dumps(payload).encode())
    signature = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return f"{b64(signature)}.{encoded}"


def fresh(user_id: str = "5550001", **extra) -> dict:
    return {"algorithm": "HMAC-SHA256", "issued_at": int(time.time()), "user_id": user_id, **extra}


@pytest.fixture
def connected(app):
    user = UserFactory(facebook_user_id="5550001", facebook_token="LONG", facebook_name="Dana")
    page = PageFactory(workspace=user.workspace, connected_by=user)
    return user, page


def test_deauthorize_forgets_the_token_and_flags_the_pages(client, connected):
    user, page = connected
    response = client.post(
        "/facebook/deauthorize", data={"signed_request": signed_request(fresh())}
    )
    assert response.status_code == 200
    db.session.refresh(user)
    db.session.refresh(page)
    assert user.facebook_token is None
    assert page.status == PageStatus.NEEDS_RECONNECT
    assert "removed Herald" in page.status_reason


@pytest.mark.parametrize(
    "request_value",
    [
        signed_request(fresh(), secret="not-the-app-secret"),  # forged
        signed_request(fresh(issued_at=int(time.time()) - 3 * 86400)),  # expired
        signed_request({**fresh(), "algorithm": "none"}),  # downgraded
        signed_request(fresh(expires=int(time.time()) - 10)),  # past its expiry
        "garbage",
        "",
    ],
    ids=["forged", "old", "algorithm", "expired", "garbage", "empty"],
)
def test_bad_signed_requests_are_refused_and_change_nothing(client, connected, request_value):
    user, _page = connected
    assert (
        client.post("/facebook/deauthorize", data={"signed_request": request_value}).status_code
        == 400
    )
    assert (
        client.post("/facebook/data-deletion", data={"signed_request": request_value}).status_code
        == 400
    )
    db.session.refresh(user)
    assert user.facebook_token == "LONG"
    assert db.session.scalars(select(DataDeletionRequest)).all() == []


def test_data_deletion_answers_with_a_status_url_and_deletes(client, connected):
    user, _page = connected
    response = client.post(
        "/facebook/data-deletion", data={"signed_request": signed_request(fresh())}
    )
    body = response.get_json()
    code = body["confirmation_code"]
    assert body["url"] == f"http://127.0.0.1:5000/facebook/data-deletion/{code}"
    deletion = db.session.scalars(select(DataDeletionRequest)).one()
    assert deletion.status == DeletionStatus.PENDING
    callbacks.delete_facebook_data(deletion.id)  # the queued job
    callbacks.delete_facebook_data(deletion.id)  # safe twice
    db.session.refresh(user)
    assert (user.facebook_user_id, user.facebook_name, user.facebook_token) == (None, None, None)
    page = client.get(f"/facebook/data-deletion/{code}").get_data(as_text=True)
    assert "Completed" in page
    assert client.get("/facebook/data-deletion/unknown").status_code == 404


def test_a_deletion_whose_job_was_lost_is_queued_again(app):
    deletion = DataDeletionRequest(confirmation_code="c0ffee", facebook_user_id="5550001")
    recent = DataDeletionRequest(confirmation_code="beef", facebook_user_id="5550002")
    db.session.add_all([deletion, recent])
    db.session.commit()
    deletion.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()

    callbacks.queue_pending_deletions()
    callbacks.queue_pending_deletions()

    queued = get_queue().jobs
    assert [(job.func_name, job.args) for job in queued] == [
        ("app.accounts.callbacks.delete_facebook_data", (deletion.id,))
    ]
