"""Page posts: publishing, scheduling (limits, lazy publishing), reading, editing, deleting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.tests.conftest import World, control, graph, make_world, subscribe
from sandbox.tests.test_send_api import DAY, HOUR, error_of


def publish(client, world: World, token: str | None = None, **params):
    """POST /{page-id}/feed as the Page."""
    return graph(
        client, "POST", f"/v25.0/{world.page_id}/feed", token or world.page_token, **params
    )


def feed_changes(receiver) -> list[dict]:
    """The values of every feed change received."""
    return [e["value"] for e in receiver.events() if e.get("field") == "feed"]


def test_publish_returns_the_page_scoped_post_id(client, world: World):
    response = publish(client, world, message="Fresh croissants!")
    post_id = response.get_json()["id"]
    assert response.status_code == 200
    assert post_id.startswith(f"{world.page_id}_")
    post = graph(
        client,
        "GET",
        f"/v25.0/{post_id}",
        world.page_token,
        fields="id,message,from,permalink_url,is_hidden,can_reply_privately,created_time",
    ).get_json()
    assert post["message"] == "Fresh croissants!"
    assert post["from"] == {"id": world.page_id, "name": "Acme Coffee"}
    assert post["permalink_url"].endswith(f"/posts/{post_id.split('_')[1]}")
    assert post["is_hidden"] is False
    assert post["can_reply_privately"] is False  # the Page's own post
    assert post["created_time"].endswith("+0000")


def test_publish_emits_a_feed_add_webhook_in_seconds(client, world: World, receiver, sb):
    subscribe(client, world, receiver)
    post_id = publish(client, world, message="Hello", link="https://acme.example").get_json()["id"]
    sb.dispatcher.run_once()
    entry = receiver.posts()[-1].json()["entry"][0]
    assert entry["time"] < 10**11
    value = entry["changes"][0]["value"]
    assert value["item"] == "post"
    assert value["verb"] == "add"
    assert value["post_id"] == post_id
    assert value["from"]["id"] == world.page_id
    assert value["link"] == "https://acme.example"


def test_publish_needs_a_message_or_link(client, world: World):
    assert error_of(publish(client, world)) == (100, None)
    assert error_of(publish(client, world, link="not a url")) == (100, None)


def test_publishing_needs_pages_manage_posts_and_pages_read_engagement(client):
    world = make_world(client, scopes=["pages_show_list", "pages_manage_posts"])
    response = publish(client, world, message="x")
    assert error_of(response) == (200, None)
    assert response.status_code == 403
    assert (
        "requires both pages_read_engagement and pages_manage_posts"
        in (response.get_json()["error"]["message"])
    )


def test_publishing_needs_create_content_or_manage(client):
    world = make_world(client, tasks=["MESSAGING", "MODERATE"])
    response = publish(client, world, message="x")
    assert error_of(response) == (200, None)
    assert "CREATE_CONTENT task is required" in response.get_json()["error"]["message"]


def test_publishing_needs_a_page_token_of_that_page(client, world: World):
    assert error_of(publish(client, world, world.user_token, message="x")) == (210, None)
    other = control(client, "pages", {"name": "Other", "admin_ids": [world.user_id]})["id"]
    response = graph(client, "POST", f"/v25.0/{other}/feed", world.page_token, message="x")
    assert error_of(response) == (100, 33)


@pytest.mark.parametrize("ahead", [9 * 60, 30 * DAY + 60, -HOUR])
def test_schedule_outside_ten_minutes_to_thirty_days_is_refused(client, world: World, clock, ahead):
    response = publish(
        client,
        world,
        message="Later",
        published=False,
        scheduled_publish_time=int(clock.now()) + ahead,
    )
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == (
        100,
        "(#100) The specified scheduled publish time is invalid.",
    )
    assert "10 minutes and 30 days" in error["error_user_msg"]


def test_schedule_time_needs_published_false(client, world: World, clock):
    response = publish(client, world, message="x", scheduled_publish_time=int(clock.now()) + DAY)
    assert error_of(response) == (100, None)


def test_schedule_accepts_iso_8601(client, world: World, clock):
    when = datetime.fromtimestamp(clock.now() + 2 * HOUR, UTC).isoformat()
    response = publish(client, world, message="x", published=False, scheduled_publish_time=when)
    assert response.status_code == 200
    scheduled = graph(
        client,
        "GET",
        f"/{world.page_id}/scheduled_posts",
        world.page_token,
        fields="id,scheduled_publish_time",
    ).get_json()["data"]
    assert scheduled == [
        {"id": response.get_json()["id"], "scheduled_publish_time": int(clock.now()) + 2 * HOUR}
    ]


def test_scheduled_post_is_published_lazily_on_read_when_due(
    client, world: World, clock, receiver, sb
):
    subscribe(client, world, receiver)
    due = int(clock.now()) + HOUR
    post_id = publish(
        client, world, message="Tomorrow's deal", published=False, scheduled_publish_time=due
    ).get_json()["id"]
    sb.dispatcher.run_once()
    assert feed_changes(receiver) == []  # not announced while scheduled
    listing = graph(client, "GET", f"/{world.page_id}/feed", world.page_token).get_json()
    assert listing["data"] == []
    clock.advance(HOUR)
    listing = graph(
        client, "GET", f"/{world.page_id}/posts", world.page_token, fields="id,created_time"
    ).get_json()
    assert [p["id"] for p in listing["data"]] == [post_id]
    assert listing["data"][0]["created_time"] == datetime.fromtimestamp(due, UTC).strftime(
        "%Y-%m-%dT%H:%M:%S+0000"
    )
    assert (
        graph(client, "GET", f"/{world.page_id}/scheduled_posts", world.page_token).get_json()[
            "data"
        ]
        == []
    )
    sb.dispatcher.run_once()
    assert [(v["verb"], v["post_id"]) for v in feed_changes(receiver)] == [("add", post_id)]


def test_the_dispatcher_round_publishes_due_posts(client, world: World, clock, receiver, sb):
    subscribe(client, world, receiver)
    post_id = publish(
        client,
        world,
        message="At noon",
        published=False,
        scheduled_publish_time=int(clock.now()) + 20 * 60,
    ).get_json()["id"]
    clock.advance(20 * 60)
    assert sb.dispatcher.run_once() == 1  # no read needed
    assert feed_changes(receiver)[0]["post_id"] == post_id


def test_unpublished_post_without_schedule_stays_off_the_feed(client, world: World):
    post_id = publish(client, world, message="Draft", published=False).get_json()["id"]
    for edge in ("feed", "posts", "published_posts", "scheduled_posts"):
        data = graph(client, "GET", f"/{world.page_id}/{edge}", world.page_token).get_json()
        assert data["data"] == [], edge
    post = graph(client, "GET", f"/{post_id}", world.page_token, fields="is_published").get_json()
    assert post == {"is_published": False, "id": post_id}


def revoke(client, world: World, permission: str) -> None:
    """The user removes one permission in their Facebook settings."""
    response = graph(client, "DELETE", f"/me/permissions/{permission}", world.user_token)
    assert response.status_code == 200


def test_feed_lists_visitor_posts_only_with_pages_read_user_content(client, world: World, clock):
    publish(client, world, message="Ours")
    clock.advance(1)
    control(
        client,
        f"people/{world.person_id}/posts",
        {"page_id": world.page_id, "message": "Visitor here"},
    )
    feed = graph(client, "GET", f"/{world.page_id}/feed", world.page_token).get_json()["data"]
    assert [p["message"] for p in feed] == ["Visitor here", "Ours"]
    posts = graph(client, "GET", f"/{world.page_id}/posts", world.page_token).get_json()["data"]
    assert [p["message"] for p in posts] == ["Ours"]
    revoke(client, world, "pages_read_user_content")
    feed = graph(client, "GET", f"/{world.page_id}/feed", world.page_token).get_json()["data"]
    assert [p["message"] for p in feed] == ["Ours"]


def test_reading_needs_pages_read_engagement(client):
    world = make_world(client, scopes=["pages_show_list", "pages_messaging"])
    assert error_of(graph(client, "GET", f"/{world.page_id}/feed", world.page_token)) == (200, None)


def test_feed_pages_with_cursors(client, world: World, clock):
    ids = []
    for n in range(5):
        ids.append(publish(client, world, message=f"post {n}").get_json()["id"])
        clock.advance(60)
    first = graph(client, "GET", f"/v25.0/{world.page_id}/feed", world.page_token, limit=2)
    page = first.get_json()
    assert [p["id"] for p in page["data"]] == ids[::-1][:2]
    assert "previous" not in page["paging"]
    second = client.get(page["paging"]["next"].split("localhost", 1)[1])
    assert [p["id"] for p in second.get_json()["data"]] == ids[::-1][2:4]
    third = graph(
        client,
        "GET",
        f"/v25.0/{world.page_id}/feed",
        world.page_token,
        limit=2,
        after=second.get_json()["paging"]["cursors"]["after"],
    ).get_json()
    assert [p["id"] for p in third["data"]] == ids[:1]
    assert "next" not in third["paging"]


def test_unknown_post_field_is_refused(client, world: World):
    response = graph(client, "GET", f"/{world.page_id}/feed", world.page_token, fields="likes")
    assert response.get_json()["error"]["message"] == (
        "(#100) Tried accessing nonexisting field (likes) on node type (Post)"
    )


def test_edit_and_delete_a_post_with_their_webhooks(client, world: World, receiver, sb):
    subscribe(client, world, receiver)
    post_id = publish(client, world, message="Typo").get_json()["id"]
    edit = graph(client, "POST", f"/v25.0/{post_id}", world.page_token, message="Fixed")
    assert edit.get_json() == {"success": True}
    assert graph(client, "GET", f"/{post_id}", world.page_token).get_json()["message"] == "Fixed"
    assert graph(client, "DELETE", f"/v25.0/{post_id}", world.page_token).get_json() == {
        "success": True
    }
    assert error_of(graph(client, "GET", f"/{post_id}", world.page_token)) == (100, 33)
    sb.dispatcher.run_once()
    verbs = [(v["verb"], v.get("message")) for v in feed_changes(receiver)]
    assert verbs == [("add", "Typo"), ("edited", "Fixed"), ("remove", None)]


def test_editing_a_visitor_post_is_not_supported(client, world: World):
    post_id = control(
        client, f"people/{world.person_id}/posts", {"page_id": world.page_id, "message": "Mine"}
    )["post_id"]
    response = graph(client, "POST", f"/{post_id}", world.page_token, message="Theirs")
    assert error_of(response) == (100, 33)


def test_control_posts_view_publishes_due_posts(client, world: World, clock):
    post_id = publish(
        client,
        world,
        message="Soon",
        published=False,
        scheduled_publish_time=int(clock.now()) + HOUR,
    ).get_json()["id"]
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"]
    assert (view[0]["id"], view[0]["is_published"]) == (post_id, False)
    assert view[0]["scheduled_publish_time"] == int(clock.now()) + HOUR
    clock.advance(HOUR)
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"]
    assert (view[0]["is_published"], view[0]["scheduled_publish_time"]) == (True, None)
