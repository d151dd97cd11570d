"""The Send API: recipients, windows, tags, blocking, sender actions and attachments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.tests.conftest import FakeClock, World, control, graph, say, send

HOUR = 3600
DAY = 24 * HOUR


def iso(clock: FakeClock, seconds_ago: float) -> str:
    """Return the ISO time ``seconds_ago`` before the fake now."""
    return datetime.fromtimestamp(clock.now() - seconds_ago, UTC).isoformat()


def error_of(response) -> tuple[int, int | None]:
    """Return the (code, subcode) of a Graph error response."""
    error = response.get_json()["error"]
    return error["code"], error.get("error_subcode")


def test_reply_inside_the_window_is_stored_in_the_thread(client, world: World):
    psid = say(client, world, "hello")["psid"]
    response = send(client, world, psid, message={"text": "hi Maya", "metadata": "CASE-7"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["recipient_id"] == psid
    assert body["message_id"].startswith("m_")
    thread = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()["messages"]
    assert [(m["direction"], m["text"]) for m in thread] == [("in", "hello"), ("out", "hi Maya")]
    assert thread[1]["messaging_type"] == "RESPONSE"
    assert thread[1]["mid"] == body["message_id"]


def test_me_messages_is_the_same_endpoint(client, world: World):
    psid = say(client, world)["psid"]
    response = graph(
        client,
        "POST",
        "/v25.0/me/messages",
        world.page_token,
        recipient={"id": psid},
        message={"text": "hi"},
        messaging_type="UPDATE",
    )
    assert response.status_code == 200


def test_unknown_psid_and_another_pages_psid_are_2018001(client, world: World):
    other_page = control(client, "pages", {"name": "Acme Bikes", "admin_ids": [world.user_id]})[
        "id"
    ]
    other_psid = control(
        client, f"people/{world.person_id}/messages", {"page_id": other_page, "text": "hi"}
    )["psid"]
    own_psid = say(client, world)["psid"]
    assert other_psid != own_psid  # PSIDs differ per Page
    assert error_of(send(client, world, other_psid)) == (100, 2018001)
    assert error_of(send(client, world, "2999999999999999")) == (100, 2018001)


def test_outside_the_24_hour_window_is_refused_and_logged(client, world: World, clock):
    psid = say(client, world, at=iso(clock, 25 * HOUR))["psid"]
    response = send(client, world, psid, messaging_type="UPDATE")
    assert response.status_code == 400
    assert error_of(response) == (10, 2018278)
    assert (
        response.get_json()["error"]["message"]
        == "(#10) This message is sent outside of allowed window."
    )
    violation = client.get("/_sandbox/violations").get_json()["violations"][-1]
    assert violation["rule"] == "outside_window"
    assert violation["page_id"] == world.page_id
    assert violation["messaging_type"] == "UPDATE"
    assert psid in violation["recipient"]


def test_window_boundary_and_page_sends_do_not_refresh_it(client, world: World, clock):
    psid = say(client, world)["psid"]
    clock.advance(23 * HOUR)
    assert send(client, world, psid).status_code == 200
    clock.advance(HOUR + 1)
    assert error_of(send(client, world, psid)) == (10, 2018278)


@pytest.mark.parametrize("action", ["postback_payload", "quick_reply_payload", "ref"])
def test_postbacks_quick_replies_and_referrals_reopen_the_window(
    client, world: World, clock, action
):
    psid = say(client, world, at=iso(clock, 2 * DAY))["psid"]
    assert error_of(send(client, world, psid)) == (10, 2018278)
    control(client, f"people/{world.person_id}/messages", {"page_id": world.page_id, action: "P1"})
    assert send(client, world, psid).status_code == 200


def test_optin_reopens_the_window(client, world: World, clock):
    psid = say(client, world, at=iso(clock, 2 * DAY))["psid"]
    control(client, f"people/{world.person_id}/optin", {"page_id": world.page_id, "ref": "promo"})
    assert send(client, world, psid).status_code == 200


@pytest.mark.parametrize(
    "tag", ["CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"]
)
def test_current_tags_go_out_any_time(client, world: World, clock, tag):
    psid = say(client, world, at=iso(clock, 30 * DAY))["psid"]
    response = send(client, world, psid, messaging_type="MESSAGE_TAG", tag=tag)
    assert response.status_code == 200


def test_human_agent_within_seven_days_only(client, world: World, clock):
    psid = say(client, world, at=iso(clock, 6 * DAY))["psid"]
    assert (
        send(client, world, psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT").status_code
        == 200
    )
    clock.advance(DAY + 1)
    refused = send(client, world, psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    assert error_of(refused) == (10, 2018278)
    assert (
        client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"]
        == "human_agent_window"
    )


def test_human_agent_needs_the_feature(client, world: World):
    psid = say(client, world)["psid"]
    control(client, "apps/100000000000001", {"features": []})
    response = send(client, world, psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
    assert response.status_code == 403
    assert error_of(response) == (200, None)
    control(client, "apps/100000000000001", {"features": ["human_agent"]})
    control(client, "settings", {"human_agent_feature": False})
    assert error_of(send(client, world, psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")) == (
        200,
        None,
    )


@pytest.mark.parametrize(
    "tag", ["NON_PROMOTIONAL_SUBSCRIPTION", "ISSUE_RESOLUTION", "SHIPPING_UPDATE"]
)
def test_retired_tags_are_refused(client, world: World, tag):
    psid = say(client, world)["psid"]
    response = send(client, world, psid, messaging_type="MESSAGE_TAG", tag=tag)
    assert error_of(response) == (100, None)
    assert client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"] == "retired_tag"


@pytest.mark.parametrize(
    ("params", "rule"),
    [
        ({"messaging_type": "MESSAGE_TAG"}, "invalid_tag"),
        ({"messaging_type": "RESPONSE", "tag": "ACCOUNT_UPDATE"}, "invalid_tag"),
        ({"messaging_type": "PROMOTION"}, "invalid_messaging_type"),
        ({"messaging_type": "MESSAGE_TAG", "tag": "MADE_UP"}, "invalid_tag"),
    ],
)
def test_messaging_type_and_tag_combinations(client, world: World, params, rule):
    psid = say(client, world)["psid"]
    assert error_of(send(client, world, psid, **params)) == (100, None)
    assert client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"] == rule


def test_utility_needs_its_permission(client, world: World):
    psid = say(client, world)["psid"]
    assert error_of(send(client, world, psid, messaging_type="UTILITY"))[0] == 10


def test_blocked_person_is_551_until_unblocked(client, world: World):
    psid = say(client, world)["psid"]
    control(client, f"people/{world.person_id}/block", {"page_id": world.page_id})
    response = send(client, world, psid)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 551
    assert error["message"] == "(#551) This person isn't available right now."
    blocked_say = client.post(
        f"/_sandbox/people/{world.person_id}/messages", json={"page_id": world.page_id, "text": "x"}
    )
    assert blocked_say.status_code == 409
    control(client, f"people/{world.person_id}/unblock", {"page_id": world.page_id})
    assert send(client, world, psid).status_code == 200


def test_sender_actions_are_recorded_and_exclusive_with_message(client, world: World):
    psid = say(client, world)["psid"]
    path = f"/v25.0/{world.page_id}/messages"
    for action in ("mark_seen", "typing_on", "typing_off"):
        response = graph(
            client, "POST", path, world.page_token, recipient={"id": psid}, sender_action=action
        )
        assert response.get_json() == {"recipient_id": psid}
    both = graph(
        client,
        "POST",
        path,
        world.page_token,
        recipient={"id": psid},
        sender_action="typing_on",
        message={"text": "x"},
    )
    assert error_of(both) == (100, None)
    thread = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()["messages"]
    assert [m["sender_action"] for m in thread if m["kind"] == "action"] == [
        "mark_seen",
        "typing_on",
        "typing_off",
    ]


def test_sends_need_a_page_token_pages_messaging_and_the_messaging_task(client, world: World):
    psid = say(client, world)["psid"]
    user_token = graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        world.user_token,
        recipient={"id": psid},
        message={"text": "x"},
    )
    assert error_of(user_token) == (210, None)
    other_app = control(client, "apps", {"name": "Other"})["id"]
    no_messaging = control(
        client,
        "tokens",
        {"user_id": world.user_id, "scopes": ["pages_show_list"], "app_id": other_app},
    )["page_tokens"][world.page_id]
    refused = graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        no_messaging,
        recipient={"id": psid},
        message={"text": "x"},
    )
    assert error_of(refused) == (10, None)
    assert "pages_messaging" in refused.get_json()["error"]["message"]
    analyst = control(client, "users", {"name": "Ana Lyst", "email": "ana@example.com"})
    page = control(
        client,
        "pages",
        {"name": "Analytics only", "admin_ids": [analyst["id"]], "tasks": ["ANALYZE"]},
    )
    token = control(client, "tokens", {"user_id": analyst["id"], "scopes": ["pages_messaging"]})[
        "page_tokens"
    ][page["id"]]
    refused = graph(
        client,
        "POST",
        f"/{page['id']}/messages",
        token,
        recipient={"id": psid},
        message={"text": "x"},
    )
    assert error_of(refused) == (200, None)
    assert "MESSAGING" in refused.get_json()["error"]["message"]


def test_another_pages_token_cannot_send_for_this_page(client, world: World):
    psid = say(client, world)["psid"]
    other = control(client, "pages", {"name": "Other", "admin_ids": [world.user_id]})["id"]
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_messaging"]})[
        "page_tokens"
    ][other]
    response = graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        token,
        recipient={"id": psid},
        message={"text": "x"},
    )
    assert error_of(response) == (100, 33)


def test_uploaded_attachments_are_reusable_and_unknown_ids_refused(client, world: World):
    psid = say(client, world)["psid"]
    upload = graph(
        client,
        "POST",
        f"/v25.0/{world.page_id}/message_attachments",
        world.page_token,
        message={
            "attachment": {
                "type": "image",
                "payload": {"url": "https://cdn.example/a.png", "is_reusable": True},
            }
        },
    ).get_json()
    attachment = {"type": "image", "payload": {"attachment_id": upload["attachment_id"]}}
    for _ in range(2):
        assert send(client, world, psid, message={"attachment": attachment}).status_code == 200
    unknown = {"type": "image", "payload": {"attachment_id": "3000000000000000"}}
    assert error_of(send(client, world, psid, message={"attachment": unknown})) == (100, None)


def test_missing_recipient_or_message(client, world: World):
    path = f"/{world.page_id}/messages"
    assert error_of(graph(client, "POST", path, world.page_token, message={"text": "x"})) == (
        100,
        None,
    )
    psid = say(client, world)["psid"]
    assert error_of(graph(client, "POST", path, world.page_token, recipient={"id": psid})) == (
        100,
        None,
    )
