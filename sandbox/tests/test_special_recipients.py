"""Customer matching (phone_number), private replies (comment_id/post_id) and user_ref."""

from __future__ import annotations

from sandbox.tests.conftest import World, control, graph, subscribe
from sandbox.tests.test_send_api import DAY, error_of, iso


def _send_to(client, world: World, recipient: dict, token: str | None = None, **params):
    params.setdefault("message", {"text": "Hi from Acme!"})
    params.setdefault("messaging_type", "UPDATE")
    return graph(
        client,
        "POST",
        f"/v25.0/{world.page_id}/messages",
        token or world.page_token,
        recipient=recipient,
        **params,
    )


def _phone_token(client, world: World) -> str:
    scopes = [
        "pages_messaging",
        "pages_messaging_phone_number",
        "pages_manage_metadata",
        "pages_show_list",
    ]
    return control(client, "tokens", {"user_id": world.user_id, "scopes": scopes})["page_tokens"][
        world.page_id
    ]


def test_phone_number_needs_its_permission(client, world: World):
    response = _send_to(client, world, {"phone_number": "+14155550123"})
    assert error_of(response) == (200, None)
    assert (
        client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"]
        == "phone_number_permission"
    )


def test_phone_number_must_be_us_e164(client, world: World):
    token = _phone_token(client, world)
    for number in ("+4915112345678", "4155550123", "+1415555012"):
        assert error_of(_send_to(client, world, {"phone_number": number}, token)) == (100, None)


def test_unknown_phone_number_is_2018001(client, world: World):
    token = _phone_token(client, world)
    assert error_of(_send_to(client, world, {"phone_number": "+14155559999"}, token)) == (
        100,
        2018001,
    )


def test_customer_matching_opens_a_thread_and_the_reply_carries_prior_message(
    client, world: World, receiver, sb
):
    token = _phone_token(client, world)
    subscribe(client, world, receiver)
    response = _send_to(client, world, {"phone_number": "+1 (415) 555-0123"}, token)
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"message_id"}
    reply = control(
        client,
        f"people/{world.person_id}/messages",
        {"page_id": world.page_id, "text": "Who's this?"},
    )
    again = control(
        client, f"people/{world.person_id}/messages", {"page_id": world.page_id, "text": "hello?"}
    )
    messages = [e for e in receiver.events() if "message" in e and not e["message"].get("is_echo")]
    assert messages[0]["sender"]["id"] == reply["psid"]
    assert messages[0]["prior_message"] == {
        "source": "customer_matching",
        "identifier": "+14155550123",
    }
    assert "prior_message" not in messages[1]
    assert again["psid"] == reply["psid"]
    thread = client.get(f"/_sandbox/pages/{world.page_id}/threads/{reply['psid']}").get_json()[
        "messages"
    ]
    assert [m["direction"] for m in thread] == ["out", "in", "in"]
    assert sb.dispatcher.run_once() >= 1  # the invitation's echo was queued too


def _post_and_comment(client, world: World, *, at: str | None = None) -> tuple[str, str]:
    post_id = control(client, f"pages/{world.page_id}/posts", {"message": "New beans in!"})[
        "post_id"
    ]
    payload = {"post_id": post_id, "message": "Price?"}
    if at:
        payload["at"] = at
    comment_id = control(client, f"people/{world.person_id}/comments", payload)["comment_id"]
    return post_id, comment_id


def test_private_reply_once_per_comment_without_opening_the_window(client, world: World):
    _, comment_id = _post_and_comment(client, world)
    first = _send_to(client, world, {"comment_id": comment_id}, messaging_type="RESPONSE")
    assert first.status_code == 200
    psid = first.get_json()["recipient_id"]
    second = _send_to(client, world, {"comment_id": comment_id}, messaging_type="RESPONSE")
    assert error_of(second) == (10900, None)
    assert second.get_json()["error"]["message"] == "(#10900) Activity already replied to"
    # the private reply did not open the 24-hour window
    assert error_of(_send_to(client, world, {"id": psid})) == (10, 2018278)
    control(
        client, f"people/{world.person_id}/messages", {"page_id": world.page_id, "text": "It's me"}
    )
    assert _send_to(client, world, {"id": psid}).status_code == 200
    post = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"][0]
    assert post["comments"][0]["private_reply_mid"] == first.get_json()["message_id"]


def test_private_reply_after_seven_days_is_refused(client, world: World, clock):
    _, comment_id = _post_and_comment(client, world, at=iso(clock, 7 * DAY + 60))
    response = _send_to(client, world, {"comment_id": comment_id})
    assert error_of(response) == (10903, None)
    assert (
        client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"]
        == "private_reply_expired"
    )


def test_no_private_reply_to_the_pages_own_post(client, world: World):
    post_id, _ = _post_and_comment(client, world)
    assert error_of(_send_to(client, world, {"post_id": post_id})) == (10903, None)


def test_private_reply_to_a_visitor_post(client, world: World):
    post_id = control(
        client,
        f"people/{world.person_id}/posts",
        {"page_id": world.page_id, "message": "Open today?"},
    )["post_id"]
    assert _send_to(client, world, {"post_id": post_id}).status_code == 200
    assert error_of(_send_to(client, world, {"post_id": post_id})) == (10900, None)


def test_unknown_comment_is_100_33(client, world: World):
    assert error_of(_send_to(client, world, {"comment_id": "123_456"})) == (100, 33)


def test_user_ref_from_a_checkbox_optin(client, world: World, clock):
    control(
        client, f"people/{world.person_id}/optin", {"page_id": world.page_id, "user_ref": "ref-abc"}
    )
    response = _send_to(client, world, {"user_ref": "ref-abc"})
    assert response.status_code == 200
    assert "recipient_id" not in response.get_json()
    assert error_of(_send_to(client, world, {"user_ref": "unknown"})) == (100, 2018001)
    clock.advance(DAY + 1)
    assert error_of(_send_to(client, world, {"user_ref": "ref-abc"})) == (10, 2018278)


def test_recipient_with_two_keys_is_refused(client, world: World):
    assert error_of(_send_to(client, world, {"id": "1", "user_ref": "x"})) == (100, None)
