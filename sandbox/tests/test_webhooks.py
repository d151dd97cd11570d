"""Webhook payloads, signatures, field filtering, batching and retries."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import text

from sandbox.tests.conftest import MESSAGING_FIELDS, World, control, graph, say, send, subscribe
from sandbox.webhooks.payloads import serialize

SECRET = b"dev-sandbox-app-secret"


def _check_signatures(post) -> None:
    expected256 = hmac.new(SECRET, post.body, hashlib.sha256).hexdigest()
    expected1 = hmac.new(SECRET, post.body, hashlib.sha1).hexdigest()
    assert post.headers["X-Hub-Signature-256"] == f"sha256={expected256}"
    assert post.headers["X-Hub-Signature"] == f"sha1={expected1}"
    assert post.headers["Content-Type"] == "application/json"


def test_message_webhook_is_signed_over_ascii_escaped_bytes(client, subscribed: World, receiver):
    text = "Grüße! See https://acme.example/menu 🍩"
    result = say(client, subscribed, text)
    assert result["webhook_status"] == "delivered"
    post = receiver.posts()[0]
    _check_signatures(post)
    raw = post.body.decode("ascii")  # pure ASCII on the wire
    assert "Gr\\u00fc\\u00dfe" in raw
    assert "\\ud83c\\udf69" in raw
    assert "https:\\/\\/acme.example\\/menu" in raw
    assert ", " not in raw
    assert ": " not in raw
    payload = post.json()
    entry = payload["entry"][0]
    assert payload["object"] == "page"
    assert entry["id"] == subscribed.page_id
    event = entry["messaging"][0]
    assert len(entry["messaging"]) == 1
    assert entry["time"] == event["timestamp"]
    assert event["message"] == {"mid": result["mid"], "text": text}
    assert event["sender"] == {"id": result["psid"]}
    assert event["recipient"] == {"id": subscribed.page_id}
    assert entry["time"] > 10**12  # milliseconds


def test_serialization_escapes_slashes_and_non_ascii():
    assert serialize({"u": "a/b", "t": "é"}) == b'{"u":"a\\/b","t":"\\u00e9"}'


def test_wrong_secret_does_not_verify(client, subscribed: World, receiver):
    say(client, subscribed)
    post = receiver.posts()[0]
    wrong = hmac.new(b"verify-me", post.body, hashlib.sha256).hexdigest()
    assert post.headers["X-Hub-Signature-256"] != f"sha256={wrong}"


def test_echo_and_delivery_after_a_send(client, subscribed: World, receiver, sb):
    psid = say(client, subscribed)["psid"]
    mid = send(
        client, subscribed, psid, message={"text": "Your order shipped", "metadata": "ORDER-1"}
    ).get_json()["message_id"]
    assert sb.dispatcher.run_once() == 2
    post = receiver.posts()[-1]
    _check_signatures(post)
    echo, delivery = (entry["messaging"][0] for entry in post.json()["entry"])
    assert echo["sender"] == {"id": subscribed.page_id}
    assert echo["recipient"] == {"id": psid}
    assert echo["message"] == {
        "mid": mid,
        "is_echo": True,
        "app_id": 100000000000001,
        "metadata": "ORDER-1",
        "text": "Your order shipped",
    }
    assert delivery["delivery"]["mids"] == [mid]
    assert delivery["delivery"]["watermark"] == echo["timestamp"]


def test_only_fields_subscribed_at_both_levels_are_delivered(client, world: World, receiver, sb):
    subscribe(client, world, receiver, ["messages", "message_echoes"])
    graph(
        client,
        "POST",
        f"/{world.page_id}/subscribed_apps",
        world.page_token,
        subscribed_fields="messages,message_deliveries",
    )
    psid = say(client, world)["psid"]
    send(client, world, psid)
    sb.dispatcher.run_once()
    kinds = [next(k for k in ("message", "delivery") if k in e) for e in receiver.events()]
    assert kinds == ["message"]  # echoes not subscribed by the Page, deliveries not by the app


def test_unsubscribed_page_reports_not_subscribed(client, world: World):
    assert say(client, world)["webhook_status"] == "not_subscribed"


def test_failed_first_attempt_is_retried_in_the_background(
    client, subscribed: World, receiver, sb, clock
):
    receiver.statuses = [503, 500]
    result = say(client, subscribed)
    assert result["webhook_status"] == "failed:503"
    assert sb.dispatcher.run_once() == 1  # the first retry is immediate
    assert sb.dispatcher.run_once() == 0  # the next waits for its delay
    clock.advance(1)
    assert sb.dispatcher.run_once() == 1
    deliveries = client.get("/_sandbox/webhooks").get_json()["webhooks"]
    assert [(d["attempt"], d["status"]) for d in deliveries] == [
        (1, "failed:503"),
        (2, "failed:500"),
        (3, "delivered"),
    ]
    bodies = {p.body for p in receiver.posts()}
    assert len(bodies) == 1  # the same signed body every time


def test_gives_up_after_the_retry_schedule(client, subscribed: World, receiver, sb, clock):
    control(client, "settings", {"webhook_retry_delays": [0, 10]})
    receiver.statuses = [500] * 5
    say(client, subscribed)
    sb.dispatcher.run_once()
    clock.advance(10)
    sb.dispatcher.run_once()
    clock.advance(3600)
    assert sb.dispatcher.run_once() == 0
    deliveries = client.get("/_sandbox/webhooks").get_json()
    assert [d["attempt"] for d in deliveries["webhooks"]] == [1, 2, 3]
    assert deliveries["pending"] == []


def test_timeout_is_reported(client, subscribed: World, receiver):
    control(client, "settings", {"webhook_timeout": 0.2})
    receiver.hold = True
    assert say(client, subscribed)["webhook_status"] == "timeout"


def test_pending_events_are_batched_up_to_the_maximum(client, subscribed: World, receiver, sb):
    control(client, "settings", {"webhook_batch_max": 3})
    psid = say(client, subscribed)["psid"]
    for n in range(4):
        send(client, subscribed, psid, f"m{n}")  # 4 echoes + 4 deliveries
    assert sb.dispatcher.run_once() == 8
    sizes = [len(p.json()["entry"]) for p in receiver.posts()[1:]]
    assert sizes == [3, 3, 2]
    texts = [e["message"]["text"] for e in receiver.events() if e.get("message", {}).get("is_echo")]
    assert texts == ["m0", "m1", "m2", "m3"]


def test_postback_with_button_title(client, subscribed: World, receiver, sb):
    psid = say(client, subscribed)["psid"]
    button = {"type": "postback", "title": "Order again", "payload": "REORDER"}
    template = {"template_type": "button", "text": "Anything else?", "buttons": [button]}
    send(
        client, subscribed, psid, message={"attachment": {"type": "template", "payload": template}}
    )
    sb.dispatcher.run_once()
    control(
        client,
        f"people/{subscribed.person_id}/messages",
        {"page_id": subscribed.page_id, "postback_payload": "REORDER"},
    )
    postback = receiver.events()[-1]["postback"]
    assert postback["title"] == "Order again"
    assert postback["payload"] == "REORDER"
    assert postback["mid"].startswith("m_")


def test_quick_reply_carries_its_payload_and_title(client, subscribed: World, receiver, sb):
    psid = say(client, subscribed)["psid"]
    quick = [{"content_type": "text", "title": "Large", "payload": "SIZE_L"}]
    send(client, subscribed, psid, message={"text": "Size?", "quick_replies": quick})
    sb.dispatcher.run_once()
    control(
        client,
        f"people/{subscribed.person_id}/messages",
        {"page_id": subscribed.page_id, "quick_reply_payload": "SIZE_L"},
    )
    message = receiver.events()[-1]["message"]
    assert message["text"] == "Large"
    assert message["quick_reply"] == {"payload": "SIZE_L"}


def test_mme_ref_on_a_new_thread_is_a_get_started_postback(client, subscribed: World, receiver):
    result = control(
        client,
        f"people/{subscribed.person_id}/messages",
        {"page_id": subscribed.page_id, "ref": "spring-sale"},
    )
    event = receiver.events()[-1]
    assert event["postback"]["payload"] == "GET_STARTED"
    assert event["postback"]["title"] == "Get Started"
    assert event["postback"]["referral"] == {
        "ref": "spring-sale",
        "source": "SHORTLINK",
        "type": "OPEN_THREAD",
    }
    assert event["sender"] == {"id": result["psid"]}


def test_mme_ref_on_an_existing_thread_is_a_referral(client, subscribed: World, receiver):
    say(client, subscribed)
    control(
        client,
        f"people/{subscribed.person_id}/messages",
        {"page_id": subscribed.page_id, "ref": "coupon"},
    )
    assert receiver.events()[-1]["referral"] == {
        "ref": "coupon",
        "source": "SHORTLINK",
        "type": "OPEN_THREAD",
    }


def test_read_event_carries_the_watermark_of_the_last_page_message(
    client, subscribed: World, receiver, sb, clock
):
    psid = say(client, subscribed)["psid"]
    clock.advance(5)
    send(client, subscribed, psid)
    sb.dispatcher.run_once()
    clock.advance(5)
    result = control(client, f"people/{subscribed.person_id}/read", {"page_id": subscribed.page_id})
    event = receiver.events()[-1]
    assert event["read"]["watermark"] == result["watermark"] == int((clock.now() - 5) * 1000)
    assert event["timestamp"] == int(clock.now() * 1000)


def test_attachment_message(client, subscribed: World, receiver):
    control(
        client,
        f"people/{subscribed.person_id}/messages",
        {"page_id": subscribed.page_id, "attachment_url": "https://img.example/p.jpg"},
    )
    assert receiver.events()[-1]["message"]["attachments"] == [
        {"type": "image", "payload": {"url": "https://img.example/p.jpg"}}
    ]


def test_comment_feed_change_uses_seconds(client, subscribed: World, receiver):
    post_id = control(client, f"pages/{subscribed.page_id}/posts", {"message": "Hello"})["post_id"]
    first = control(
        client,
        f"people/{subscribed.person_id}/comments",
        {"post_id": post_id, "message": "Nice/great"},
    )
    reply = control(
        client,
        f"people/{subscribed.person_id}/comments",
        {"post_id": post_id, "message": "again", "parent_id": first["comment_id"]},
    )
    assert first["webhook_status"] == reply["webhook_status"] == "delivered"
    post_change, comment, nested = (p.json()["entry"][0] for p in receiver.posts())
    assert post_change["changes"][0]["value"]["item"] == "post"
    change = comment["changes"][0]
    assert change["field"] == "feed"
    assert comment["time"] < 10**11
    value = change["value"]
    assert value["item"] == "comment"
    assert value["verb"] == "add"
    assert value["message"] == "Nice/great"
    assert value["post_id"] == post_id
    assert value["parent_id"] == post_id
    assert value["comment_id"] == first["comment_id"]
    assert value["from"]["name"] == "Maya Thompson"
    assert nested["changes"][0]["value"]["parent_id"] == first["comment_id"]
    posts = client.get(f"/_sandbox/pages/{subscribed.page_id}/posts").get_json()["posts"]
    assert posts[0]["comments"][0]["replies"][0]["id"] == reply["comment_id"]


def test_send_as_page_echoes_with_the_inbox_app_id(client, subscribed: World, receiver):
    psid = say(client, subscribed)["psid"]
    result = control(
        client, f"pages/{subscribed.page_id}/send_as_page", {"psid": psid, "text": "From the inbox"}
    )
    echo = receiver.events()[-1]["message"]
    assert echo["is_echo"] is True
    assert echo["app_id"] != 100000000000001
    assert echo["mid"] == result["mid"]


def test_webhooks_log_lists_every_attempt(client, subscribed: World):
    say(client, subscribed)
    entry = client.get("/_sandbox/webhooks").get_json()["webhooks"][0]
    assert entry["status"] == "delivered"
    assert entry["attempt"] == 1
    assert entry["fields"] == ["messages"]
    assert json.loads(entry["body"])["object"] == "page"


def test_all_default_fields_subscribe(client, world: World, receiver):
    subscribe(client, world, receiver, MESSAGING_FIELDS)
    assert say(client, world)["webhook_status"] == "delivered"


def test_reply_to_and_sticker(client, subscribed: World, receiver):
    first = say(client, subscribed, "hello")
    path = f"people/{subscribed.person_id}/messages"
    control(client, path, {"page_id": subscribed.page_id, "text": "this", "reply_to": first["mid"]})
    control(client, path, {"page_id": subscribed.page_id, "sticker_id": "369239263222822"})
    reply, sticker = (e["message"] for e in receiver.events()[-2:])
    assert reply["reply_to"] == {"mid": first["mid"]}
    assert sticker["sticker_id"] == 369239263222822
    assert sticker["attachments"][0]["payload"]["sticker_id"] == 369239263222822


def test_events_cut_off_by_a_stop_are_delivered_after_a_restart(db_path, clock, receiver):
    from sandbox.app import create_sandbox_app, sandbox_of, shutdown
    from sandbox.tests.conftest import make_world

    first = create_sandbox_app(db_path, start_dispatcher=False, clock=clock)
    client = first.test_client()
    world = make_world(client)
    subscribe(client, world, receiver)
    psid = say(client, world)["psid"]
    send(client, world, psid)
    with sandbox_of(first).db.write() as session:  # as if the process died mid-delivery
        session.execute(text("UPDATE webhook_events SET state = 'inflight'"))
    shutdown(first)
    second = create_sandbox_app(db_path, start_dispatcher=False, clock=clock)
    try:
        assert sandbox_of(second).dispatcher.run_once() == 3
    finally:
        shutdown(second)
