"""The simulator's JSON view of a thread, the m.me redirect, the overview, and the demo data."""

from __future__ import annotations

from sandbox.demo_data import DEMO_AD, DEMO_PAGES, DEMO_POSTS
from sandbox.tests.conftest import World, control, graph, say, send
from sandbox.tests.test_send_api import DAY


def _view(client, world: World) -> dict:
    return client.get(
        "/_sandbox/simulator/thread",
        query_string={"person_id": world.person_id, "page_id": world.page_id},
    ).get_json()


def _action(client, world: World, psid: str, action: str) -> None:
    graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        world.page_token,
        recipient={"id": psid},
        sender_action=action,
    )


def test_a_new_conversation_shows_the_pages_welcome(client, world: World):
    graph(
        client,
        "POST",
        "/me/messenger_profile",
        world.page_token,
        greeting=[{"locale": "default", "text": "Hello {{user_first_name}}!"}],
    )
    view = _view(client, world)
    assert view["thread"] is None
    assert view["page"]["get_started"] == "GET_STARTED"
    assert view["page"]["greeting"] == "Hello Maya!"


def test_typing_seen_and_window(client, world: World, clock):
    psid = say(client, world, "hi")["psid"]
    view = _view(client, world)
    assert view["thread"]["typing"] is False
    assert view["thread"]["page_seen"] is None
    assert view["thread"]["window_ends_at"] == int(clock.now() * 1000) + DAY * 1000
    clock.advance(1)
    _action(client, world, psid, "mark_seen")
    _action(client, world, psid, "typing_on")
    view = _view(client, world)
    assert view["thread"]["typing"] is True
    assert view["thread"]["page_seen"][0] == int(clock.now() * 1000)
    assert [i["kind"] for i in view["thread"]["items"]] == ["message"]  # actions are not shown
    clock.advance(21)
    assert _view(client, world)["thread"]["typing"] is False  # Messenger's 20-second timeout
    _action(client, world, psid, "typing_on")
    clock.advance(1)
    send(client, world, psid, "Here you go")
    view = _view(client, world)
    assert view["thread"]["typing"] is False
    assert view["thread"]["items"][-1]["message"] == {"text": "Here you go"}


def test_uploaded_attachments_are_shown_by_url(client, world: World):
    psid = say(client, world)["psid"]
    upload = graph(
        client,
        "POST",
        f"/{world.page_id}/message_attachments",
        world.page_token,
        message={"attachment": {"type": "image", "payload": {"url": "https://img.example/a.png"}}},
    ).get_json()
    send(
        client,
        world,
        psid,
        message={
            "attachment": {"type": "image", "payload": {"attachment_id": upload["attachment_id"]}}
        },
    )
    item = _view(client, world)["thread"]["items"][-1]
    assert item["message"]["attachment"]["payload"]["url"] == "https://img.example/a.png"


def test_mme_links_open_the_simulator(client, world: World):
    response = client.get("/m.me/acmecoffee", query_string={"ref": "spring", "text": "Hi"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/_sandbox/simulator?")
    assert f"page_id={world.page_id}" in location
    assert "ref=spring" in location
    assert "text=Hi" in location
    by_id = client.get(f"/m.me/{world.page_id}")
    assert f"page_id={world.page_id}" in by_id.headers["Location"]
    assert client.get("/m.me/nobody").status_code == 404


def test_pages_render(client, world: World):
    index = client.get("/_sandbox/").get_data(as_text=True)
    assert "/m.me/acmecoffee" in index
    assert "Maya Thompson" in index
    simulator = client.get("/_sandbox/simulator").get_data(as_text=True)
    assert "simulator.js" in simulator
    assert world.person_id in simulator
    script = client.get("/_sandbox/static/simulator.js")
    assert script.status_code == 200
    assert b"setInterval(poll, 1000)" in script.data


def test_demo_data_has_posts_profiles_and_a_clickable_ad(client, clock):
    control(client, "demo")
    coffee = DEMO_PAGES[0]["id"]
    posts = client.get(f"/_sandbox/pages/{coffee}/posts").get_json()["posts"]
    by_id = {p["id"]: p for p in posts}
    commented, old, scheduled = (by_id[p["id"]] for p in DEMO_POSTS[:3])
    assert [c["from"]["name"] for c in commented["comments"]] == ["Maya Thompson", "Luis Hernández"]
    assert commented["comments"][0]["replies"][0]["by_page"] is True
    assert old["comments"][0]["can_reply_privately"] is False  # older than 7 days
    assert (scheduled["is_published"], scheduled["scheduled_publish_time"]) == (
        False,
        int(clock.now()) + DAY,
    )
    state = client.get("/_sandbox/state").get_json()
    kenji = state["people"][-1]["id"]
    click = client.post(f"/_sandbox/people/{kenji}/ad_click", json={"ad_id": DEMO_AD["ad"]["id"]})
    assert click.status_code == 200
    view = client.get(
        "/_sandbox/simulator/thread", query_string={"person_id": kenji, "page_id": coffee}
    ).get_json()
    postback = view["thread"]["items"][0]["message"]
    assert postback["payload"] == "GET_STARTED"
    assert postback["referral"]["ads_context_data"]["ad_title"] == "Autumn menu at Acme Coffee"
    clock.advance(DAY)
    posts = client.get(f"/_sandbox/pages/{coffee}/posts").get_json()["posts"]
    assert next(p for p in posts if p["id"] == scheduled["id"])["is_published"] is True
