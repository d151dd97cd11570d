"""The dashboard: composer, live preview and counts, test send, schedule, results, export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.broadcasts import lifecycle
from app.broadcasts.models import Broadcast, BroadcastFile, BroadcastStatus
from app.core.db import utcnow
from app.core.messages.models import Message
from app.core.models import Role
from app.extensions import db
from tests.broadcasts.conftest import make_broadcast, queued_functions, subscriber
from tests.conftest import sign_in
from tests.factories import PageFactory, UserFactory


def form(page, **values) -> dict:
    data = {
        "name": "Spring sale",
        "page_id": str(page.id),
        "kind": "text",
        "text": "Hi {{first_name|there}}! 20% off today.",
        "button-0-type": "web_url",
        "button-0-title": "Shop now",
        "button-0-url": "https://shop.example/spring",
        "button-1-type": "postback",
        "button-1-title": "Tell me more",
        "qr-0-title": "Yes please",
        "qr-3-title": "No thanks",
        "audience_mode": "all",
        "intent": "promotional",
        "delivery": "now",
        "timezone": "Europe/Lisbon",
        "action": "save",
    }
    data.update(values)
    return data


def stored() -> Broadcast:
    return db.session.scalars(select(Broadcast).order_by(Broadcast.id.desc())).first()


def test_the_list_and_an_empty_composer_render(marketer_client, page):
    page_html = marketer_client.get("/broadcasts/").get_data(as_text=True)
    assert "No broadcasts here yet" in page_html
    html = marketer_client.get("/broadcasts/new").get_data(as_text=True)
    assert "Acme Coffee" in html
    assert 'id="composer"' in html
    for tag in ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"):
        assert tag in html  # each update tag is explained where it is chosen


def test_saving_a_draft_keeps_every_row_in_order(marketer_client, page):
    response = marketer_client.post("/broadcasts/new", data=form(page))
    broadcast = stored()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/broadcasts/{broadcast.id}/edit")
    assert broadcast.status == BroadcastStatus.DRAFT
    assert broadcast.message == {
        "kind": "text",
        "text": "Hi {{first_name|there}}! 20% off today.",
        "buttons": [
            {"type": "web_url", "title": "Shop now", "url": "https://shop.example/spring"},
            {"type": "postback", "title": "Tell me more", "payload": "TELL ME MORE"},
        ],
        "quick_replies": [
            {"title": "Yes please", "payload": "YES PLEASE"},
            {"title": "No thanks", "payload": "NO THANKS"},
        ],
    }
    html = marketer_client.get(f"/broadcasts/{broadcast.id}/edit").get_data(as_text=True)
    assert 'value="Tell me more"' in html
    assert 'value="No thanks"' in html


def test_problems_are_listed_and_nothing_is_saved(marketer_client, page):
    data = form(page, text="x" * 700, **{"button-2-title": "A" * 25, "button-2-url": "nope"})
    response = marketer_client.post("/broadcasts/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the limit is 640" in html
    assert "over 20 characters" in html
    assert 'value="nope"' in html  # what was typed is shown again
    assert stored() is None


def test_the_live_preview_looks_like_messenger_and_lists_problems(marketer_client, page):
    html = marketer_client.post("/broadcasts/preview", data=form(page)).get_data(as_text=True)
    assert "Hi Alex! 20% off today." in html  # personalised for a sample subscriber
    assert html.count('data-testid="preview-button"') == 2
    assert html.count('data-testid="preview-quick-reply"') == 2
    assert "Within every Messenger limit" in html
    cards = form(
        page, kind="cards", **{"card-0-title": "Latte", "card-0-subtitle": "{{first_name}}'s"}
    )
    html = marketer_client.post("/broadcasts/preview", data=cards).get_data(as_text=True)
    assert "Latte" in html
    assert "Alex&#39;s" in html
    broken = marketer_client.post("/broadcasts/preview", data=form(page, text="", kind="text"))
    assert "Write the message text." in broken.get_data(as_text=True)


def test_the_preview_never_personalises_with_another_workspaces_subscriber(marketer_client, page):
    other_page = PageFactory()
    stranger = subscriber(other_page, first_name="Zelda", name="Zelda Secret")
    for page_id in (page.id, other_page.id):
        data = form(page, page_id=str(page_id), test_subscriber_id=str(stranger.id))
        html = marketer_client.post("/broadcasts/preview", data=data).get_data(as_text=True)
        assert "Zelda" not in html
    huge = form(page, page_id="99999999999999", test_subscriber_id="99999999999999")
    assert marketer_client.post("/broadcasts/preview", data=huge).status_code == 200


def test_the_audience_counts_show_who_is_excluded_and_why(marketer_client, page):
    subscriber(page, hours_ago=1)
    subscriber(page, hours_ago=50)
    subscriber(page, hours_ago=1, subscribed=False)
    html = marketer_client.post("/broadcasts/audience", data=form(page)).get_data(as_text=True)
    assert 'data-testid="receiving">1<' in html
    assert 'data-testid="excluded">2<' in html
    assert "Outside the 24-hour window" in html
    assert "Unsubscribed" in html
    update = form(page, intent="update", tag="ACCOUNT_UPDATE")
    html = marketer_client.post("/broadcasts/audience", data=update).get_data(as_text=True)
    assert 'data-testid="receiving">2<' in html
    assert "with the ACCOUNT_UPDATE tag" in html


def test_send_now_starts_it_and_shows_the_results_page(marketer_client, page):
    subscriber(page)
    response = marketer_client.post("/broadcasts/new", data=form(page, action="send"))
    broadcast = stored()
    assert response.headers["Location"].endswith(f"/broadcasts/{broadcast.id}")
    assert broadcast.status == BroadcastStatus.SENDING
    assert "app.broadcasts.lifecycle.prepare" in queued_functions()
    lifecycle.prepare(broadcast.id)
    html = marketer_client.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True)
    assert 'data-testid="progress-bar"' in html
    assert "of 1 recipients done" in html
    assert "timeline-chart" in html
    assert marketer_client.get(f"/broadcasts/{broadcast.id}/edit").status_code == 302


def test_scheduling_reads_the_time_in_the_chosen_zone(marketer_client, page):
    data = form(
        page,
        action="send",
        delivery="later",
        send_at="2031-03-30T09:30",
        timezone="America/New_York",
    )
    marketer_client.post("/broadcasts/new", data=data)
    broadcast = stored()
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert broadcast.scheduled_at == datetime(2031, 3, 30, 13, 30, tzinfo=UTC)
    assert broadcast.timezone == "America/New_York"
    html = marketer_client.get(f"/broadcasts/{broadcast.id}/edit").get_data(as_text=True)
    assert 'value="2031-03-30T09:30:00"' in html


@pytest.mark.parametrize(
    ("send_at", "zone", "message"),
    [
        ("2031-03-09T02:30", "America/New_York", "does not exist in America/New_York"),
        ("2020-01-01T10:00", "UTC", "That time has passed"),
        ("", "UTC", "Give the date and time"),
        ("2031-01-01T10:00", "Mars/Olympus", "is not a time zone"),
    ],
)
def test_impossible_times_are_refused(marketer_client, page, send_at, zone, message):
    response = marketer_client.post(
        "/broadcasts/new",
        data=form(page, action="send", delivery="later", send_at=send_at, timezone=zone),
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)
    assert stored().status == BroadcastStatus.DRAFT


def test_a_test_goes_only_to_someone_inside_the_window(marketer_client, page):
    me = subscriber(page, hours_ago=0.1, name="Mia Marketer")
    stale = subscriber(page, hours_ago=30, name="Old Friend")
    html = marketer_client.get(f"/broadcasts/test-candidates?page_id={page.id}").get_data(
        as_text=True
    )
    assert "Mia Marketer" in html
    assert "Old Friend" not in html
    marketer_client.post(
        "/broadcasts/new", data=form(page, action="test", test_subscriber_id=me.id)
    )
    message = db.session.scalars(select(Message).where(Message.origin == "broadcast_test")).one()
    assert message.subscriber_id == me.id
    assert message.origin_id == stored().id
    assert message.payload["message"]["attachment"]["payload"]["text"] == "Hi Mia! 20% off today."
    response = marketer_client.post(
        f"/broadcasts/{stored().id}/edit",
        data=form(page, action="test", test_subscriber_id=stale.id),
        follow_redirects=True,
    )
    assert "has not written to Acme Coffee in the last 24 hours" in response.get_data(as_text=True)


def test_pause_resume_cancel_and_duplicate_from_the_results_page(marketer_client, page):
    subscriber(page)
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    marketer_client.post(f"/broadcasts/{broadcast.id}/pause")
    db.session.expire_all()
    assert broadcast.pause_reason == "Paused by Mia Marketer"
    marketer_client.post(f"/broadcasts/{broadcast.id}/resume")
    marketer_client.post(f"/broadcasts/{broadcast.id}/cancel")
    db.session.expire_all()
    assert broadcast.status == BroadcastStatus.CANCELLED
    response = marketer_client.post(f"/broadcasts/{broadcast.id}/duplicate")
    assert stored().name == "Spring sale (copy)"
    assert stored().status == BroadcastStatus.DRAFT
    assert response.headers["Location"].endswith(f"/broadcasts/{stored().id}/edit")


def test_results_recipients_and_csv_export(marketer_client, page):
    people = [subscriber(page, name=f"Person {i}") for i in range(3)] + [
        subscriber(page, hours_ago=40)
    ]
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    html = marketer_client.get(f"/broadcasts/{broadcast.id}/recipients").get_data(as_text=True)
    assert html.count('data-testid="recipient"') == 4
    response = marketer_client.get(f"/broadcasts/{broadcast.id}/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["psid"] for row in rows] == [p.psid for p in people]
    assert {row["status"] for row in rows} == {"pending"}
    listing = marketer_client.get("/broadcasts/?tab=active").get_data(as_text=True)
    assert "Spring sale" in listing


def test_the_csv_shows_names_that_look_like_formulas_as_text(marketer_client, page):
    subscriber(page, name='=HYPERLINK("https://evil.example")')
    broadcast = make_broadcast(page)
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    response = marketer_client.get(f"/broadcasts/{broadcast.id}/export.csv")
    (row,) = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert row["name"].startswith("'=HYPERLINK")


def test_uploaded_media_is_served_to_facebook_by_its_secret_address(marketer_client, client, page):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    response = marketer_client.post(
        "/broadcasts/files",
        data={"file": (io.BytesIO(png), "spring sale.png", "image/png")},
        content_type="multipart/form-data",
    )
    data = response.get_json()
    assert data["media_type"] == "image"
    assert data["name"] == "spring_sale.png"
    row = db.session.get(BroadcastFile, data["id"])
    path = data["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").data == png
    assert client.get(f"/broadcasts/files/wrong-token/{row.filename}").status_code == 404
    bad = marketer_client.post(
        "/broadcasts/files",
        data={"file": (io.BytesIO(b"MZ..."), "tool.exe", "application/x-msdownload")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    saved = marketer_client.post(
        "/broadcasts/new",
        data=form(
            page, kind="media", media_type="image", media_source="upload", media_file_id=str(row.id)
        ),
    )
    assert saved.status_code == 302
    assert stored().message["media"]["file_id"] == row.id


def test_agents_and_other_workspaces_see_nothing(client, page):
    broadcast = make_broadcast(page)
    agent = UserFactory(workspace=page.workspace, role=Role.AGENT)
    sign_in(client, agent)
    assert client.get("/broadcasts/").status_code == 403
    stranger = UserFactory(workspace=PageFactory().workspace, role=Role.OWNER)
    sign_in(client, stranger)
    assert client.get(f"/broadcasts/{broadcast.id}").status_code == 404
    assert client.post(f"/broadcasts/{broadcast.id}/cancel").status_code == 404
    assert client.post("/broadcasts/new", data=form(page)).status_code == 422  # not their Page
    assert utcnow() - timedelta(seconds=5) < utcnow()
