"""A subscriber's page: profile, the window in words, the conversation, tag and field edits."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, timedelta

from app.core.db import utcnow
from app.core.display import clock
from app.core.messages.models import Direction, MessageStatus
from app.extensions import db
from tests.audience.conftest import message


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html_lib.unescape(response.text)


def test_the_profile(marketer_client, make):
    person = make(
        "Ana Silva",
        psid="123456789",
        first_name="Ana",
        last_name="Maria Silva",
        locale="pt_PT",
        ref="poster",
        profile_pic="https://cdn.example/ana.jpg",
        unreachable=True,
        unreachable_reason="Blocked the Page (551)",
        subscribed=False,
        unsubscribed_at=utcnow(),
    )
    text = page_text(marketer_client, f"/subscribers/{person.id}")
    assert "<title>Ana Silva · Herald</title>" in text
    assert "Ana Maria Silva" in text
    assert '<code class="text-break" data-testid="psid">123456789</code>' in text
    assert "pt_PT" in text
    assert "Acme Coffee" in text
    assert 'src="https://cdn.example/ana.jpg"' in text
    assert "Blocked the Page (551)" in text
    assert "Unsubscribed" in text
    assert 'href="/subscribers/?f=1&ref=poster"' in text


def test_a_picture_that_is_not_a_web_address_is_never_used(marketer_client, make):
    person = make("Eve", profile_pic="javascript:alert(1)")
    assert "javascript:" not in marketer_client.get(f"/subscribers/{person.id}").text


def test_the_open_window_in_words(marketer_client, make):
    person = make("Ana", hours_ago=1)
    until = clock(person.last_inbound_at + timedelta(hours=24), UTC)
    text = page_text(marketer_client, f"/subscribers/{person.id}")
    assert f"Open until {until} — any message allowed" in text
    assert re.search(r"changes in 2[23] h \d+ min", text)


def test_the_human_agent_window_in_words(marketer_client, make):
    person = make("Ana", hours_ago=48)
    until = clock(person.last_inbound_at + timedelta(days=7), UTC)
    text = page_text(marketer_client, f"/subscribers/{person.id}")
    assert f"Human-agent window until {until} — only a person's reply, tagged HUMAN_AGENT" in text
    assert "changes in 4 days" in text
    person.human_agent_replies = 1
    db.session.commit()
    text = page_text(marketer_client, f"/subscribers/{person.id}")
    assert "The Human Agent reply was used: it opens again when they write." in text


def test_the_closed_window_in_words(marketer_client, make):
    person = make("Ana", hours_ago=24 * 8)
    assert "Closed — only tagged updates" in page_text(marketer_client, f"/subscribers/{person.id}")
    never = make("Never", hours_ago=None)
    text = page_text(marketer_client, f"/subscribers/{never.id}")
    assert "Closed — only tagged updates" in text
    assert "They have never written to the Page." in text


def test_times_read_in_the_workspace_time_zone(marketer_client, owner, make):
    owner.workspace.timezone = "Asia/Tokyo"
    db.session.commit()
    person = make("Ana", hours_ago=1)
    from zoneinfo import ZoneInfo

    until = clock(person.last_inbound_at + timedelta(hours=24), ZoneInfo("Asia/Tokyo"))
    assert f"Open until {until}" in page_text(marketer_client, f"/subscribers/{person.id}")


def test_the_conversation_shows_every_kind_origin_and_status(marketer_client, owner, make):
    ana = make("Ana")
    start = utcnow() - timedelta(hours=2)

    quick_replies = [{"content_type": "text", "title": "Yes please", "payload": "YES"}]
    attachments = [
        {"type": "image", "payload": {"url": "https://cdn.example/photo.jpg"}},
        {"type": "file", "payload": {"url": "javascript:alert(1)"}},
        {"type": "audio", "payload": {"url": "https://cdn.example/voice.mp4"}},
    ]
    conversation = [
        (Direction.IN, {"kind": "referral", "payload": {"ref": "poster", "source": "SHORTLINK"}}),
        (Direction.IN, {"text": "Do you have oat milk?"}),
        (
            Direction.OUT,
            {
                "text": "We do! Want a coupon?",
                "payload": {"message": {"text": "…", "quick_replies": quick_replies}},
                "author_id": owner.id,
                "status": MessageStatus.READ,
            },
        ),
        (
            Direction.IN,
            {"kind": "quick_reply", "text": "Yes please", "payload": {"quick_reply": "YES"}},
        ),
        (Direction.IN, {"kind": "attachment", "payload": {"attachments": attachments}}),
        (
            Direction.IN,
            {"kind": "postback", "text": "Get started", "payload": {"payload": "GET_STARTED"}},
        ),
        (Direction.IN, {"kind": "optin", "payload": {"ref": "checkbox"}}),
        (
            Direction.OUT,
            {
                "text": "Summer sale",
                "origin": "broadcast",
                "status": MessageStatus.FAILED,
                "error": "This person isn't available right now.",
                "error_code": 551,
            },
        ),
        (
            Direction.OUT,
            {
                "text": "Weekly news",
                "origin": "broadcast",
                "status": MessageStatus.REFUSED,
                "error": "More than 24 hours since they last wrote",
            },
        ),
        (
            Direction.OUT,
            {
                "text": "Order shipped",
                "origin": "system",
                "status": MessageStatus.UNCERTAIN,
                "tag": "POST_PURCHASE_UPDATE",
            },
        ),
        (
            Direction.OUT,
            {
                "text": "Hello from the inbox",
                "origin": "page_inbox",
                "status": MessageStatus.DELIVERED,
            },
        ),
        (Direction.OUT, {"text": "See you", "origin": "livechat"}),
    ]
    for minutes, (direction, values) in enumerate(conversation):
        message(ana, direction, sent_at=start + timedelta(minutes=minutes), **values)

    response = marketer_client.get(f"/subscribers/{ana.id}")
    text = html_lib.unescape(response.text)
    bubbles = re.findall(r'data-testid="message" data-direction="(\w+)" data-kind="(\w+)"', text)
    assert bubbles == [
        ("in", "referral"), ("in", "text"), ("out", "text"), ("in", "quick_reply"),
        ("in", "attachment"), ("in", "postback"), ("in", "optin"), ("out", "text"),
        ("out", "text"), ("out", "text"), ("out", "text"), ("out", "text"),
    ]  # fmt: skip
    statuses = re.findall(r'data-status="(\w+)"', text)
    assert statuses == ["read", "failed", "refused", "uncertain", "delivered", "sent"]
    assert "Opened a link (ref poster)" in text
    assert "ref poster · shortlink" in text
    assert "Do you have oat milk?" in text
    assert f"Live chat · {owner.name}" in text
    assert "Yes please" in text
    assert ">YES<" in text
    assert 'src="https://cdn.example/photo.jpg"' in text
    assert 'href="https://cdn.example/voice.mp4"' in text
    assert "javascript:" not in text
    assert "GET_STARTED" in text
    assert "Opted in" in text
    assert "This person isn't available right now. (error 551)" in text
    assert "More than 24 hours since they last wrote" in text
    assert "Herald does not resend it blindly" in text
    assert "POST_PURCHASE_UPDATE" in text
    assert "Sent from Facebook's inbox" in text
    assert ">Broadcast<" in text
    assert ">Automatic<" in text
    assert "12 messages" in text


def test_an_empty_conversation(marketer_client, make):
    person = make("Quiet", hours_ago=None)
    assert "No messages yet" in marketer_client.get(f"/subscribers/{person.id}").text


def test_adding_and_removing_tags(marketer_client, make):
    person = make("Ana", tags=("old",))
    response = marketer_client.post(f"/subscribers/{person.id}/tags", data={"tags": "VIP, summer"})
    assert response.location == f"/subscribers/{person.id}#tags"
    db.session.refresh(person)
    assert person.tag_names == ["old", "summer", "vip"]
    marketer_client.post(f"/subscribers/{person.id}/tags/remove", data={"tag": "old"})
    db.session.refresh(person)
    assert person.tag_names == ["summer", "vip"]
    response = marketer_client.post(
        f"/subscribers/{person.id}/tags", data={"tags": "no!good"}, follow_redirects=True
    )
    assert "is not a valid tag" in html_lib.unescape(response.text)
    db.session.refresh(person)
    assert person.tag_names == ["summer", "vip"]


def test_editing_custom_fields(marketer_client, make):
    person = make("Ana", fields={"city": "Lisbon", "plan": "gold"})
    response = marketer_client.post(
        f"/subscribers/{person.id}/fields",
        data={"field:city": "Porto", "field:plan": "", "new_name": "Size", "new_value": "M"},
    )
    assert response.location == f"/subscribers/{person.id}#fields"
    db.session.refresh(person)
    assert person.field_values == {"city": "Porto", "size": "M"}
    response = marketer_client.post(
        f"/subscribers/{person.id}/fields",
        data={"field:city": "Faro", "new_name": "9 lives", "new_value": "x"},
        follow_redirects=True,
    )
    assert "is not a valid field name" in html_lib.unescape(response.text)
    db.session.refresh(person)
    assert person.field_values == {"city": "Porto", "size": "M"}  # nothing half-saved
    response = marketer_client.post(
        f"/subscribers/{person.id}/fields", data={"new_name": "color"}, follow_redirects=True
    )
    assert "Give the new field a value." in response.text


def test_the_list_links_each_name_to_its_page(marketer_client, make):
    person = make("Ana")
    html = marketer_client.get("/subscribers/").text
    assert f'href="/subscribers/{person.id}"' in html
