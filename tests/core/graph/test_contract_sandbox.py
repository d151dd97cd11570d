"""Contract: the Graph client against the live Meta sandbox, for the calls its unit tests mock.

The unit tests pin exact requests against recorded replies; these check that the sandbox answers
the same calls with the shapes and error classes the client expects, so the two never drift.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.graph import (
    BatchOperation,
    GraphClient,
    GraphError,
    GraphSettings,
    InvalidParameter,
    OutsideWindow,
    PermissionDenied,
    RateLimited,
    Recipient,
    RecipientUnavailable,
    TokenInvalid,
)
from app.core.graph.messenger import send_message_operation, send_result_from_batch
from tests.support.sandbox import ALL_SCOPES

pytestmark = pytest.mark.integration

SCOPES = [*ALL_SCOPES, "pages_manage_posts", "pages_read_engagement", "pages_manage_engagement",
          "pages_read_user_content"]  # fmt: skip
APP_ID, APP_SECRET = "100000000000001", "dev-sandbox-app-secret"


@pytest.fixture
def graph(sandbox):
    """Settings pointing at the sandbox, a user token, a Page token, a person with a PSID."""
    world = sandbox.world(pages=1, people=2)
    settings = GraphSettings(
        base_url=sandbox.url, version="v25.0", app_id=APP_ID, app_secret=APP_SECRET
    )
    token = sandbox.post("/tokens", user_id=world["user"]["id"], scopes=SCOPES)["access_token"]
    user = GraphClient(token, settings)
    page_id = world["pages"][0]["id"]
    account = next(a for a in user.accounts() if a.id == page_id)
    page = GraphClient(account.access_token, settings)
    psid = sandbox.say(world["people"][0]["id"], page_id, "Hello")["psid"]
    return {"world": world, "settings": settings, "user": user, "page": page, "page_id": page_id,
            "psid": psid, "sandbox": sandbox}  # fmt: skip


def test_identity_permissions_accounts_and_debug_token(graph):
    user, settings = graph["user"], graph["settings"]
    me = user.me(("id", "name", "email"))
    assert (me.name, me.email) == ("Dana Reyes", "dana@example.com")
    statuses = {p.name: p.status for p in user.permissions()}
    assert statuses["pages_messaging"] == "granted"
    account = user.accounts()[0]
    assert account.access_token
    assert "MESSAGING" in account.tasks
    info = GraphClient.for_app(settings).debug_token(account.access_token)
    assert (info.is_valid, info.type, info.profile_id) == (True, "PAGE", graph["page_id"])


def test_accounts_follow_every_page_of_results(sandbox):
    user_row = sandbox.post("/users", name="Many Pages", email="many@example.com")
    for number in range(30):
        sandbox.post("/pages", name=f"Page {number}", admin_ids=[user_row["id"]])
    token = sandbox.post("/tokens", user_id=user_row["id"], scopes=SCOPES)["access_token"]
    settings = GraphSettings(
        base_url=sandbox.url, version="v25.0", app_id=APP_ID, app_secret=APP_SECRET
    )
    assert len(GraphClient(token, settings).accounts()) == 30


def test_send_api_results_and_errors(graph):
    page, page_id, psid, sandbox = graph["page"], graph["page_id"], graph["psid"], graph["sandbox"]
    sent = page.send_message(
        page_id, Recipient.psid(psid), {"text": "Hi!"}, messaging_type="RESPONSE"
    )
    assert sent.recipient_id == psid
    assert sent.message_id
    assert page.sender_action(page_id, psid, "typing_on").recipient_id == psid
    with pytest.raises(RecipientUnavailable) as unknown:
        page.send_message(page_id, Recipient.psid("123"), {"text": "x"}, messaging_type="RESPONSE")
    assert (unknown.value.code, unknown.value.subcode) == (100, 2018001)
    with pytest.raises(InvalidParameter):
        page.send_message(
            page_id, Recipient.psid(psid), {"text": "x" * 2000}, messaging_type="RESPONSE"
        )
    with pytest.raises(InvalidParameter):
        page.send_message(
            page_id, Recipient.psid(psid), {"text": "x"}, messaging_type="MESSAGE_TAG",
            tag="NON_PROMOTIONAL_SUBSCRIPTION",
        )  # fmt: skip
    old = sandbox.say(graph["world"]["people"][1]["id"], page_id, "old",
                      at=(datetime.now(UTC) - timedelta(days=3)).isoformat())["psid"]  # fmt: skip
    with pytest.raises(OutsideWindow) as outside:
        page.send_message(page_id, Recipient.psid(old), {"text": "x"}, messaging_type="UPDATE")
    assert (outside.value.code, outside.value.subcode) == (10, 2018278)
    human = page.send_message(
        page_id,
        Recipient.psid(old),
        {"text": "A human"},
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
    )
    assert human.message_id
    sandbox.post(f"/people/{graph['world']['people'][0]['id']}/block", page_id=page_id)
    with pytest.raises(RecipientUnavailable) as blocked:
        page.send_message(page_id, Recipient.psid(psid), {"text": "x"}, messaging_type="RESPONSE")
    assert blocked.value.code == 551


def test_profile_attachments_and_messenger_profile(graph):
    page, page_id, psid = graph["page"], graph["page_id"], graph["psid"]
    profile = graph["page"].user_profile(psid, ("name", "first_name", "last_name", "profile_pic"))
    assert (profile.first_name, profile.last_name) == ("Maya", "Tester")
    assert page.upload_attachment(page_id, "image", "https://example.com/a.png")
    page.set_messenger_profile(page_id, {"get_started": {"payload": "START"}})
    assert page.messenger_profile(page_id, ("get_started",)) == {
        "get_started": {"payload": "START"}
    }


def test_batch_mixes_results_and_errors_in_order(graph):
    page, page_id, psid = graph["page"], graph["page_id"], graph["psid"]
    operations = [
        send_message_operation(
            page_id, Recipient.psid(psid), {"text": "one"}, messaging_type="RESPONSE"
        ),
        send_message_operation(
            page_id, Recipient.psid("999"), {"text": "two"}, messaging_type="RESPONSE"
        ),
        BatchOperation("GET", "me"),
    ]
    first, second, third = page.batch(operations)
    assert send_result_from_batch(first).message_id
    assert isinstance(second.error, RecipientUnavailable)
    assert third.data["id"] == page_id


def test_rate_limits_and_dead_tokens_come_back_typed(graph):
    page, page_id, psid, sandbox = graph["page"], graph["page_id"], graph["psid"], graph["sandbox"]
    sandbox.post("/faults", kind="rate_limit", page_id=page_id)
    with pytest.raises(RateLimited) as limited:
        page.send_message(page_id, Recipient.psid(psid), {"text": "x"}, messaging_type="RESPONSE")
    assert limited.value.code == 613
    assert limited.value.usage.max_percent >= 100
    sandbox.post("/faults", kind="token_invalid", page_id=page_id)
    with pytest.raises(TokenInvalid) as dead:
        page.send_message(page_id, Recipient.psid(psid), {"text": "x"}, messaging_type="RESPONSE")
    assert dead.value.reason == "password_changed"


def test_a_revoked_permission_is_a_permission_error(graph):
    page, page_id, psid, sandbox = graph["page"], graph["page_id"], graph["psid"], graph["sandbox"]
    sandbox.post(
        "/faults", kind="permission_revoked", page_id=page_id, permission="pages_messaging"
    )
    with pytest.raises(PermissionDenied):
        page.send_message(page_id, Recipient.psid(psid), {"text": "x"}, messaging_type="RESPONSE")


def test_posts_comments_and_conversations(graph):
    page, page_id, sandbox = graph["page"], graph["page_id"], graph["sandbox"]
    post_id = page.publish_post(page_id, "Autumn menu is here")
    assert post_id.startswith(f"{page_id}_")
    person = graph["world"]["people"][1]["id"]
    comment_id = sandbox.post(f"/people/{person}/comments", post_id=post_id, message="Nice!")[
        "comment_id"
    ]
    assert page.reply_to_comment(comment_id, "Thank you!")
    page.set_comment_hidden(comment_id, True)
    page.delete_object(comment_id)
    conversations = list(page.conversations(page_id))
    assert [c.person(page_id).id for c in conversations] == [graph["psid"]]
    messages = page.conversation_messages(conversations[0].id)
    assert messages[0].text == "Hello"


def test_webhook_subscriptions_of_pages_and_the_app(graph, herald):
    page, page_id, settings = graph["page"], graph["page_id"], graph["settings"]
    page.subscribe_page(page_id, ["messages", "feed"])
    subscribed = page.page_subscriptions(page_id)
    assert set(subscribed[0].subscribed_fields) == {"messages", "feed"}
    app = GraphClient.for_app(settings)
    callback = f"{herald}/webhooks/messenger"
    app.subscribe_app(APP_ID, callback, "dev-verify-token", ["messages", "feed"])
    assert any(s.callback_url == callback for s in app.app_subscriptions(APP_ID))
    with pytest.raises(GraphError) as refused:  # the handshake fails with a wrong verify token
        app.subscribe_app(APP_ID, callback, "not-our-token", ["messages"])
    assert refused.value.code == 2200
    page.unsubscribe_page(page_id)
    assert page.page_subscriptions(page_id) == []
