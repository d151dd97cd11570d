"""Message content limits, checked like Messenger (code 100) and stored normalized."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.tests.conftest import World, say, send


def _button(n: int = 0) -> dict[str, Any]:
    return {"type": "postback", "title": f"Option {n}", "payload": f"P{n}"}


def _generic(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "generic", "elements": elements},
        }
    }


def _button_template(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    payload = {"template_type": "button", "text": text, "buttons": buttons}
    return {"attachment": {"type": "template", "payload": payload}}


def _quick_replies(count: int) -> dict[str, Any]:
    return {
        "text": "pick",
        "quick_replies": [
            {"content_type": "text", "title": f"Q{i}", "payload": f"Q{i}"} for i in range(count)
        ],
    }


VALID = [
    {"text": "x" * 1999},
    _quick_replies(13),
    {"text": "pick", "quick_replies": [{"content_type": "user_email"}]},
    _generic(
        [{"title": "t" * 80, "subtitle": "s" * 80, "buttons": [_button(i) for i in range(3)]}] * 10
    ),
    _generic(
        [
            {
                "title": "Hat",
                "image_url": "https://x.example/h.png",
                "default_action": {"type": "web_url", "url": "https://x.example"},
            }
        ]
    ),
    _button_template(
        "b" * 640,
        [
            _button(1),
            {"type": "web_url", "url": "https://x.example", "title": "Site"},
            {"type": "phone_number", "title": "Call", "payload": "+15105551234"},
        ],
    ),
    {"attachment": {"type": "image", "payload": {"url": "https://x.example/a.png"}}},
    {"attachment": {"type": "file", "payload": {"url": "https://x.example/a.pdf"}}},
    {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [
                    {"media_type": "image", "url": "https://www.facebook.com/photo.php?fbid=1"}
                ],
            },
        }
    },
    {"text": "meta", "metadata": "m" * 999},
    {"sticker_id": 369239263222822},
]

INVALID = [
    ({"text": "x" * 2000}, "text_too_long"),
    ({"text": ""}, "message_invalid"),
    (
        {"text": "a", "attachment": {"type": "image", "payload": {"url": "https://x.example"}}},
        "message_invalid",
    ),
    (_quick_replies(14), "too_many_quick_replies"),
    (
        {"text": "q", "quick_replies": [{"content_type": "text", "payload": "P"}]},
        "quick_reply_invalid",
    ),
    ({"text": "q", "quick_replies": [{"content_type": "location"}]}, "quick_reply_invalid"),
    (_generic([{"title": "t"}] * 11), "too_many_elements"),
    (_generic([{"title": "t" * 81}]), "element_invalid"),
    (_generic([{"title": "t", "subtitle": "s" * 81}]), "element_invalid"),
    (_generic([{"subtitle": "no title"}]), "element_invalid"),
    (_generic([{"title": "t", "buttons": [_button(i) for i in range(4)]}]), "too_many_buttons"),
    (
        _generic(
            [
                {
                    "title": "t",
                    "default_action": {"type": "web_url", "url": "https://x", "title": "no"},
                }
            ]
        ),
        "element_invalid",
    ),
    (_button_template("b" * 641, [_button()]), "template_invalid"),
    (_button_template("text", []), "button_invalid"),
    (_button_template("text", [_button(i) for i in range(4)]), "too_many_buttons"),
    (_button_template("text", [{"type": "web_url", "title": "Site"}]), "button_invalid"),
    (_button_template("text", [{"type": "postback", "title": "Go"}]), "button_invalid"),
    (
        _button_template("text", [{"type": "phone_number", "title": "Call", "payload": "555"}]),
        "button_invalid",
    ),
    (
        _button_template("text", [{"type": "account_link", "title": "x", "url": "https://x"}]),
        "button_invalid",
    ),
    ({"attachment": {"type": "image", "payload": {}}}, "attachment_invalid"),
    ({"attachment": {"type": "image", "payload": {"url": "ftp://x"}}}, "attachment_invalid"),
    ({"attachment": {"type": "hologram", "payload": {"url": "https://x"}}}, "attachment_invalid"),
    (
        {"attachment": {"type": "template", "payload": {"template_type": "receipt"}}},
        "template_invalid",
    ),
    ({"text": "m", "metadata": "m" * 1000}, "metadata_too_long"),
]


@pytest.mark.parametrize("message", VALID)
def test_valid_messages_are_accepted(client, world: World, message):
    psid = say(client, world)["psid"]
    response = send(client, world, psid, message=message)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(("message", "rule"), INVALID)
def test_invalid_messages_are_refused_with_100(client, world: World, message, rule):
    psid = say(client, world)["psid"]
    response = send(client, world, psid, message=message)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == 100
    assert client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"] == rule
    thread = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()["messages"]
    assert [m["direction"] for m in thread] == ["in"]  # nothing stored


def test_quick_reply_titles_are_truncated_at_20(client, world: World):
    psid = say(client, world)["psid"]
    long_title = "An unusually long quick reply title"
    send(
        client,
        world,
        psid,
        message={
            "text": "pick",
            "quick_replies": [{"content_type": "text", "title": long_title, "payload": "L"}],
        },
    )
    stored = client.get(f"/_sandbox/pages/{world.page_id}/threads/{psid}").get_json()["messages"][
        -1
    ]
    assert stored["message"]["quick_replies"][0]["title"] == long_title[:20]
