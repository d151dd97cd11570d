"""Messenger calls: Send API, recipients, sender actions, user profiles, attachment upload."""

from __future__ import annotations

import pytest
from responses import matchers

from app.core.graph import (
    BatchOperation,
    OutsideWindow,
    PrivateReplyNotAllowed,
    Recipient,
    SendResult,
    UserProfile,
)
from tests.core.graph.helpers import BASE, PAGE_ID, PSID, add_payload, signed

MESSAGES = f"{BASE}/{PAGE_ID}/messages"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"


def form(fields: dict[str, str]) -> list:
    """Match a POST whose form body is exactly `fields` plus the signed token."""
    return [matchers.urlencoded_params_matcher(signed(fields)), matchers.query_string_matcher(None)]


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        (Recipient.psid(PSID), {"id": PSID}),
        (
            Recipient.comment("901097836652708_903438993085259"),
            {"comment_id": "901097836652708_903438993085259"},
        ),
        (Recipient.post(f"{PAGE_ID}_901097836652708"), {"post_id": f"{PAGE_ID}_901097836652708"}),
        (Recipient.user_ref("UNIQUE_REF_PARAM"), {"user_ref": "UNIQUE_REF_PARAM"}),
        (Recipient.phone("+15551234567"), {"phone_number": "+15551234567"}),
        (
            Recipient.phone("+15551234567", "Jane", "Doe"),
            {"phone_number": "+15551234567", "name": {"first_name": "Jane", "last_name": "Doe"}},
        ),
        (
            Recipient.phone("+15551234567", first_name="Jane"),
            {"phone_number": "+15551234567", "name": {"first_name": "Jane"}},
        ),
    ],
)
def test_recipient_to_dict(recipient, expected):
    assert recipient.to_dict() == expected


def test_send_message_posts_exact_fields(mocked, client):
    fields = {
        "recipient": f'{{"id":"{PSID}"}}',
        "message": (
            '{"text":"Hi 👋","quick_replies":'
            '[{"content_type":"text","title":"Red","payload":"RED"}]}'
        ),
        "messaging_type": "RESPONSE",
    }
    mocked.post(MESSAGES, json={"recipient_id": PSID, "message_id": MID}, match=form(fields))
    message = {
        "text": "Hi 👋",
        "quick_replies": [{"content_type": "text", "title": "Red", "payload": "RED"}],
    }

    result = client.send_message(PAGE_ID, Recipient.psid(PSID), message, messaging_type="RESPONSE")

    assert result == SendResult(recipient_id=PSID, message_id=MID)


def test_send_message_with_tag_and_notification_type(mocked, client):
    fields = {
        "recipient": f'{{"id":"{PSID}"}}',
        "message": '{"text":"An agent here"}',
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "notification_type": "SILENT_PUSH",
    }
    mocked.post(MESSAGES, json={"recipient_id": PSID, "message_id": MID}, match=form(fields))

    client.send_message(
        PAGE_ID,
        Recipient.psid(PSID),
        {"text": "An agent here"},
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
        notification_type="SILENT_PUSH",
    )


def test_sends_to_user_ref_or_phone_have_no_recipient_id(mocked, client):
    fields = {
        "recipient": (
            '{"phone_number":"+15551234567","name":{"first_name":"Jane","last_name":"Doe"}}'
        ),
        "message": '{"text":"Welcome"}',
        "messaging_type": "UPDATE",
    }
    mocked.post(MESSAGES, json={"message_id": MID}, match=form(fields))

    result = client.send_message(
        PAGE_ID,
        Recipient.phone("+15551234567", "Jane", "Doe"),
        {"text": "Welcome"},
        messaging_type="UPDATE",
    )

    assert result == SendResult(recipient_id=None, message_id=MID)


def test_a_second_private_reply_raises_private_reply_not_allowed(mocked, client):
    fields = {
        "recipient": '{"comment_id":"901097836652708_903438993085259"}',
        "message": '{"text":"Thanks!"}',
        "messaging_type": "RESPONSE",
    }
    add_payload(mocked, "POST", MESSAGES, "error_10900.json", match=form(fields))

    with pytest.raises(PrivateReplyNotAllowed):
        client.send_message(
            PAGE_ID,
            Recipient.comment("901097836652708_903438993085259"),
            {"text": "Thanks!"},
            messaging_type="RESPONSE",
        )


def test_a_send_outside_the_window_is_not_retried(mocked, client, sleeps):
    add_payload(mocked, "POST", MESSAGES, "error_10_2018278_outside_window.json")

    with pytest.raises(OutsideWindow):
        client.send_message(PAGE_ID, Recipient.psid(PSID), {"text": "x"}, messaging_type="UPDATE")

    assert len(mocked.calls) == 1
    assert sleeps == []


def test_send_message_operation_is_the_same_request_as_a_batch_op(client):
    operation = client.send_message_operation(
        PAGE_ID,
        Recipient.psid(PSID),
        {"text": "Hi"},
        messaging_type="MESSAGE_TAG",
        tag="ACCOUNT_UPDATE",
    )

    assert operation == BatchOperation(
        "POST",
        f"{PAGE_ID}/messages",
        body={
            "recipient": {"id": PSID},
            "message": {"text": "Hi"},
            "messaging_type": "MESSAGE_TAG",
            "tag": "ACCOUNT_UPDATE",
        },
    )
    assert operation.to_dict()["body"] == (
        "recipient=%7B%22id%22%3A%226021857384012345%22%7D&message=%7B%22text%22%3A%22Hi%22%7D"
        "&messaging_type=MESSAGE_TAG&tag=ACCOUNT_UPDATE"
    )


@pytest.mark.parametrize("action", ["typing_on", "typing_off", "mark_seen"])
def test_sender_action_posts_exact_fields(mocked, client, action):
    fields = {"recipient": f'{{"id":"{PSID}"}}', "sender_action": action}
    mocked.post(MESSAGES, json={"recipient_id": PSID}, match=form(fields))

    assert client.sender_action(PAGE_ID, PSID, action) == SendResult(PSID, None)


def test_unknown_sender_action_is_refused_before_any_call(mocked, client):
    with pytest.raises(ValueError, match="sender action"):
        client.sender_action(PAGE_ID, PSID, "TYPING_ON")


def test_user_profile_requests_default_fields(mocked, client):
    mocked.get(
        f"{BASE}/{PSID}",
        json={
            "first_name": "Peter",
            "last_name": "Chang",
            "profile_pic": "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1",
            "id": PSID,
        },
        match=[
            matchers.query_param_matcher(
                signed({"fields": "name,first_name,last_name,profile_pic"})
            )
        ],
    )

    profile = client.user_profile(PSID)

    assert profile == UserProfile(
        id=PSID,
        name=None,
        first_name="Peter",
        last_name="Chang",
        profile_pic="https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1",
        locale=None,
    )
    assert profile.display_name == "Peter Chang"


def test_user_profile_with_only_name_and_custom_fields(mocked, client):
    mocked.get(
        f"{BASE}/{PSID}",
        json={"name": "Peter Chang", "locale": "en_US"},
        match=[matchers.query_param_matcher(signed({"fields": "name,locale"}))],
    )

    profile = client.user_profile(PSID, fields=("name", "locale"))

    assert profile == UserProfile(id=PSID, name="Peter Chang", locale="en_US")
    assert profile.display_name == "Peter Chang"


def test_display_name_is_none_without_any_name():
    assert UserProfile(id=PSID).display_name is None


def test_upload_attachment_posts_the_attachment_and_returns_its_id(mocked, client):
    fields = {
        "message": (
            '{"attachment":{"type":"image","payload":'
            '{"url":"https://cdn.example.com/hat.png","is_reusable":true}}}'
        )
    }
    mocked.post(
        f"{BASE}/{PAGE_ID}/message_attachments",
        json={"attachment_id": "1857777774821032"},
        match=form(fields),
    )

    attachment_id = client.upload_attachment(PAGE_ID, "image", "https://cdn.example.com/hat.png")

    assert attachment_id == "1857777774821032"


def test_upload_attachment_can_be_single_use(mocked, client):
    fields = {
        "message": (
            '{"attachment":{"type":"file","payload":'
            '{"url":"https://cdn.example.com/a.pdf","is_reusable":false}}}'
        )
    }
    mocked.post(
        f"{BASE}/{PAGE_ID}/message_attachments",
        json={"attachment_id": "42"},
        match=form(fields),
    )

    assert client.upload_attachment(PAGE_ID, "file", "https://cdn.example.com/a.pdf", False) == "42"


def test_messenger_profile_round_trip(mocked, client):
    mocked.get(
        f"{BASE}/{PAGE_ID}/messenger_profile",
        match=[matchers.query_param_matcher(signed({"fields": "get_started,greeting"}))],
        json={"data": [{"get_started": {"payload": "GET_STARTED"}}]},
    )
    mocked.post(
        f"{BASE}/{PAGE_ID}/messenger_profile",
        match=[matchers.urlencoded_params_matcher(signed({"get_started": '{"payload":"START"}'}))],
        json={"result": "success"},
    )
    assert client.messenger_profile(PAGE_ID, ("get_started", "greeting")) == {
        "get_started": {"payload": "GET_STARTED"}
    }
    client.set_messenger_profile(PAGE_ID, {"get_started": {"payload": "START"}})


def test_an_empty_messenger_profile_is_an_empty_dict(mocked, client):
    mocked.get(f"{BASE}/{PAGE_ID}/messenger_profile", json={"data": []})
    assert client.messenger_profile(PAGE_ID, ("get_started",)) == {}
