"""Composed content: every Messenger limit in words, personalisation, and what each person gets."""

from __future__ import annotations

import pytest

from app.broadcasts import content, links, render
from app.broadcasts.personalize import Values, fit, values_for
from app.broadcasts.personalize import render as fill
from app.core import content as core_content
from tests.factories import SubscriberFactory

LINK = {"type": "web_url", "title": "Shop", "url": "https://shop.example/spring"}
REPLY = {"type": "postback", "title": "Tell me more", "payload": "MORE"}


def problems(data: dict) -> list[str]:
    return content.problems(content.normalize(data))


def test_a_text_with_buttons_and_quick_replies_is_sendable():
    data = {
        "kind": "text",
        "text": "Hi {{first_name|there}}, 20% off in {{field.city|your city}}!",
        "buttons": [LINK, REPLY],
        "quick_replies": [{"title": "Yes"}, {"title": "No", "payload": "NO"}],
    }
    assert problems(data) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "text", "text": ""}, "Write the message text."),
        ({"kind": "text", "text": "x" * 2000}, "The text has 2000 characters; the limit is 1999."),
        (
            {"kind": "text", "text": "x" * 641, "buttons": [LINK]},
            "The text has 641 characters; the limit is 640 (with buttons, Messenger allows 640).",
        ),
        (
            {"kind": "text", "text": "Hi", "buttons": [LINK] * 4},
            "The message has 4 buttons; Messenger allows 3.",
        ),
        (
            {"kind": "text", "text": "Hi", "buttons": [{**LINK, "title": "A" * 21}]},
            "The message, button 1: the label is over 20 characters.",
        ),
        (
            {"kind": "text", "text": "Hi", "buttons": [{**LINK, "url": "javascript:alert(1)"}]},
            "The message, button 1 needs a web address starting with https:// (or http://).",
        ),
        (
            {
                "kind": "text",
                "text": "Hi",
                "quick_replies": [{"title": f"R{i}"} for i in range(14)],
            },
            "14 quick replies; Messenger shows at most 13.",
        ),
        (
            {"kind": "text", "text": "Hi", "quick_replies": [{"title": "Definitely, yes please!"}]},
            "Quick reply 1: the label is over 20 characters.",
        ),
        (
            {"kind": "cards", "cards": [{"title": f"Card {i}"} for i in range(11)]},
            "11 cards; a carousel holds at most 10.",
        ),
        ({"kind": "cards", "cards": [{"subtitle": "no title"}]}, "Card 1 needs a title."),
        (
            {"kind": "cards", "cards": [{"title": "T" * 81}]},
            "Card 1: the title is over 80 characters.",
        ),
        ({"kind": "cards", "cards": []}, "Add at least one card."),
        (
            {"kind": "media", "media": {"type": "image", "url": "ftp://files/x.png"}},
            "Give the media's web address (https://…) or upload a file.",
        ),
        ({"kind": "poll"}, "Choose a text message, media or cards."),
    ],
)
def test_every_limit_is_explained(data, expected):
    assert expected in problems(data)


def test_placeholders_are_checked():
    found = problems({"kind": "text", "text": "Hi {{firstname}} and {{first_name"})
    assert any("“{{firstname}}” is not a placeholder Herald knows" in p for p in found)
    assert any("never closed" in p for p in found)
    found = problems({"kind": "text", "text": "Hi", "buttons": [{**LINK, "title": "{{name}}"}]})
    assert (
        "The message, button 1: placeholders work in the text, card titles and subtitles only."
        in found
    )


def test_empty_rows_of_the_form_are_dropped_and_payloads_default_to_the_label():
    normalized = content.normalize(
        {
            "kind": "text",
            "text": " Hi ",
            "buttons": [{"type": "postback", "title": "More"}, {"type": "web_url"}],
            "quick_replies": [{"title": "", "payload": ""}, {"title": "Yes"}],
            "cards": [{"title": "ignored: not a card message"}],
        }
    )
    assert normalized == {
        "kind": "text",
        "text": "Hi",
        "buttons": [{"type": "postback", "title": "More", "payload": "MORE"}],
        "quick_replies": [{"title": "Yes", "payload": "YES"}],
    }


def test_personalisation_uses_values_then_fallbacks_and_never_evaluates_templates():
    values = Values(first_name="Maya", fields={"city": "Lisbon"})
    assert fill("Hi {{ first_name }} from {{field.city}}", values) == "Hi Maya from Lisbon"
    assert fill("Hi {{last_name|friend}}!", values) == "Hi friend!"
    assert fill("Hi {{field.size}}!", values) == "Hi !"
    assert (
        fill("{{ config }} {{ 7*7 }} {% for x in y %}", values)
        == "{{ config }} {{ 7*7 }} {% for x in y %}"
    )


def test_values_prefer_the_name_facebook_gave(app):
    only_name = SubscriberFactory(name="Luis Gomez", first_name=None, last_name=None)
    assert values_for(only_name).first_name == "Luis"
    unknown = SubscriberFactory(name=None, first_name=None, last_name=None)
    assert fill("Hi {{first_name|there}}", values_for(unknown)) == "Hi there"


def test_fit_cuts_with_an_ellipsis():
    assert fit("abcdef", 4) == "abc…"
    assert fit("abc", 4) == "abc"


def test_a_recipient_gets_a_button_template_with_tracked_links_and_tagged_replies(app):
    data = content.normalize(
        {
            "kind": "text",
            "text": "Hi {{first_name|there}}!",
            "buttons": [LINK, REPLY],
            "quick_replies": [{"title": "Yes", "payload": "YES"}],
        }
    )
    target = render.Target(42, "https://herald.example", recipient_id=7)
    message = render.message(data, Values(first_name="Maya"), target)
    core_content.validate(message)
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["text"] == "Hi Maya!"
    link, reply = payload["buttons"]
    assert link["url"].startswith("https://herald.example/b/")
    assert links.read_token(link["url"].rsplit("/", 1)[1]) == (42, 7, "b0")
    assert reply["payload"] == "herald-b:42:b1:MORE"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "herald-b:42:q0:YES"}
    ]


def test_cards_and_media_render_as_messenger_templates(app):
    cards = content.normalize(
        {
            "kind": "cards",
            "cards": [
                {
                    "title": "{{first_name}}'s pick",
                    "subtitle": "x" * 90,
                    "image_url": "https://i.example/1.jpg",
                    "url": "https://shop.example/1",
                    "buttons": [LINK],
                },
            ],
        }
    )
    message = render.message(
        cards, Values(first_name="Maya"), render.Target(3, "https://h.example")
    )
    element = message["attachment"]["payload"]["elements"][0]
    assert element["title"] == "Maya's pick"
    assert len(element["subtitle"]) == 80  # cut to Messenger's limit, with an ellipsis
    assert links.read_token(element["default_action"]["url"].rsplit("/", 1)[1]) == (3, 0, "c0")
    assert links.read_token(element["buttons"][0]["url"].rsplit("/", 1)[1]) == (3, 0, "c0b0")
    media = content.normalize(
        {"kind": "media", "media": {"type": "video", "url": "https://v.example/a.mp4"}}
    )
    target = render.Target(3, "https://h.example", media_payload={"attachment_id": "9001"})
    assert render.message(media, Values(), target) == {
        "attachment": {"type": "video", "payload": {"attachment_id": "9001"}}
    }


def test_link_destinations_come_from_the_stored_content_only():
    stored = content.normalize(
        {
            "kind": "cards",
            "cards": [{"title": "A", "url": "https://a.example", "buttons": [REPLY, LINK]}],
        }
    )
    assert links.destination(stored, "c0") == "https://a.example"
    assert links.destination(stored, "c0b1") == "https://shop.example/spring"
    assert links.destination(stored, "c0b0") is None  # a reply button has no URL
    assert links.destination(stored, "c5") is None
    assert links.destination(stored, "zz") is None
