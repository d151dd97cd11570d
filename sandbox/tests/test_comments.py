"""Comments: reading (fields, filter, order, summary, paging), replying as the Page, hiding,
deleting, people editing and removing theirs, and the feed webhooks of each."""

from __future__ import annotations

from sandbox.tests.conftest import World, control, graph, subscribe
from sandbox.tests.test_posts import feed_changes, publish, revoke
from sandbox.tests.test_send_api import error_of


def _post_with_comments(client, world: World, clock, *messages: str) -> tuple[str, list[str]]:
    post_id = publish(client, world, message="New beans in!").get_json()["id"]
    ids = []
    for message in messages:
        clock.advance(60)
        ids.append(
            control(
                client,
                f"people/{world.person_id}/comments",
                {"post_id": post_id, "message": message},
            )["comment_id"]
        )
    return post_id, ids


def test_comments_with_fields_and_from_only_for_a_page_token(client, world: World, clock):
    post_id, (first, _) = _post_with_comments(client, world, clock, "Price?", "Decaf?")
    fields = "id,message,from,created_time,can_reply_privately,parent,is_hidden"
    data = graph(
        client, "GET", f"/v25.0/{post_id}/comments", world.page_token, fields=fields
    ).get_json()["data"]
    assert [c["message"] for c in data] == ["Price?", "Decaf?"]
    assert data[0]["id"] == first
    assert first.split("_")[0] == post_id.split("_")[1]  # {post-suffix}_{comment}
    assert data[0]["from"] == {"id": world.person_id, "name": "Maya Thompson"}
    assert data[0]["can_reply_privately"] is True
    assert data[0]["is_hidden"] is False
    assert "parent" not in data[0]
    as_user = graph(
        client, "GET", f"/v25.0/{post_id}/comments", world.user_token, fields=fields
    ).get_json()["data"]
    assert "from" not in as_user[0]
    assert as_user[0]["message"] == "Price?"


def test_filter_order_summary_and_paging(client, world: World, clock):
    post_id, ids = _post_with_comments(client, world, clock, "one", "two", "three")
    clock.advance(60)
    reply = graph(client, "POST", f"/{ids[0]}/comments", world.page_token, message="Thanks!")
    reply_id = reply.get_json()["id"]
    top = graph(client, "GET", f"/{post_id}/comments", world.page_token, summary="true")
    body = top.get_json()
    assert [c["id"] for c in body["data"]] == ids
    assert body["summary"] == {"order": "ranked", "total_count": 3, "can_comment": True}
    stream = graph(
        client,
        "GET",
        f"/{post_id}/comments",
        world.page_token,
        filter="stream",
        order="reverse_chronological",
        summary="true",
    ).get_json()
    assert [c["id"] for c in stream["data"]] == [reply_id, ids[2], ids[1], ids[0]]
    assert stream["summary"]["order"] == "reverse_chronological"
    assert stream["summary"]["total_count"] == 4
    first = graph(client, "GET", f"/{post_id}/comments", world.page_token, limit=2).get_json()
    assert [c["id"] for c in first["data"]] == ids[:2]
    after = first["paging"]["cursors"]["after"]
    rest = graph(
        client, "GET", f"/{post_id}/comments", world.page_token, limit=2, after=after
    ).get_json()
    assert [c["id"] for c in rest["data"]] == ids[2:]
    assert "next" not in rest["paging"]
    replies = graph(client, "GET", f"/{ids[0]}/comments", world.page_token).get_json()["data"]
    assert [c["id"] for c in replies] == [reply_id]
    bad = graph(client, "GET", f"/{post_id}/comments", world.page_token, order="random")
    assert error_of(bad) == (100, None)


def test_page_reply_attaches_to_the_top_level_comment_and_emits_a_page_webhook(
    client, world: World, clock, receiver, sb
):
    subscribe(client, world, receiver)
    post_id, (top,) = _post_with_comments(client, world, clock, "Do you deliver?")
    nested = control(
        client,
        f"people/{world.person_id}/comments",
        {"post_id": post_id, "message": "anyone?", "parent_id": top},
    )["comment_id"]
    clock.advance(60)
    response = graph(client, "POST", f"/v25.0/{nested}/comments", world.page_token, message="Yes!")
    assert response.status_code == 200
    reply_id = response.get_json()["id"]
    reply = graph(
        client, "GET", f"/{reply_id}", world.page_token, fields="parent,from,message"
    ).get_json()
    assert reply["parent"]["id"] == top
    assert reply["from"] == {"id": world.page_id, "name": "Acme Coffee"}
    sb.dispatcher.run_once()
    value = feed_changes(receiver)[-1]
    assert (value["item"], value["verb"], value["comment_id"]) == ("comment", "add", reply_id)
    assert value["parent_id"] == top
    assert value["from"] == {"id": world.page_id, "name": "Acme Coffee"}  # Herald skips these
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"][0]
    replies = view["comments"][0]["replies"]
    assert [(r["id"], r["by_page"]) for r in replies] == [(nested, False), (reply_id, True)]


def test_hide_unhide_and_delete_with_their_webhooks(client, world: World, clock, receiver, sb):
    subscribe(client, world, receiver)
    post_id, (comment,) = _post_with_comments(client, world, clock, "Spam spam")
    hide = graph(client, "POST", f"/v25.0/{comment}", world.page_token, is_hidden="true")
    assert hide.get_json() == {"success": True}
    listed = graph(
        client, "GET", f"/{post_id}/comments", world.page_token, fields="is_hidden"
    ).get_json()["data"]
    assert listed == [{"is_hidden": True, "id": comment}]  # still listed for the Page
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"][0]
    assert view["comments"][0]["is_hidden"] is True
    graph(client, "POST", f"/v25.0/{comment}", world.page_token, is_hidden=False)
    gone = graph(client, "DELETE", f"/v25.0/{comment}", world.page_token)
    assert gone.get_json() == {"success": True}
    assert error_of(graph(client, "GET", f"/{comment}", world.page_token)) == (100, 33)
    assert graph(client, "GET", f"/{post_id}/comments", world.page_token).get_json()["data"] == []
    sb.dispatcher.run_once()
    changes = [(v["verb"], "message" in v) for v in feed_changes(receiver)[1:]]
    assert changes == [("add", True), ("hide", True), ("unhide", True), ("remove", False)]


def test_hiding_needs_pages_read_user_content_too(client, world: World, clock):
    _, (comment,) = _post_with_comments(client, world, clock, "Rude")
    revoke(client, world, "pages_read_user_content")
    response = graph(client, "POST", f"/{comment}", world.page_token, is_hidden=True)
    assert error_of(response) == (200, None)
    assert "pages_read_user_content" in response.get_json()["error"]["message"]
    assert error_of(graph(client, "DELETE", f"/{comment}", world.page_token)) == (200, None)


def test_moderation_needs_moderate_or_manage(client, clock):
    from sandbox.tests.conftest import make_world

    world = make_world(client, tasks=["CREATE_CONTENT", "MESSAGING"])
    _, (comment,) = _post_with_comments(client, world, clock, "Hm")
    response = graph(client, "POST", f"/{comment}", world.page_token, is_hidden=True)
    assert error_of(response) == (200, None)
    assert "MODERATE task is required" in response.get_json()["error"]["message"]
    reply = graph(client, "POST", f"/{comment}/comments", world.page_token, message="Hi")
    assert reply.status_code == 200  # replying is content creation


def test_replying_needs_pages_manage_engagement(client, world: World, clock):
    _, (comment,) = _post_with_comments(client, world, clock, "Hello?")
    revoke(client, world, "pages_manage_engagement")
    response = graph(client, "POST", f"/{comment}/comments", world.page_token, message="Hi")
    assert error_of(response) == (200, None)
    assert error_of(graph(client, "POST", f"/{comment}/comments", world.user_token)) == (210, None)


def test_the_page_cannot_hide_its_own_comment_but_can_edit_it(client, world: World, clock):
    post_id, (comment,) = _post_with_comments(client, world, clock, "Hi")
    own = graph(
        client, "POST", f"/{post_id}/comments", world.page_token, message="Welcome"
    ).get_json()
    assert error_of(graph(client, "POST", f"/{own['id']}", world.page_token, is_hidden=True)) == (
        100,
        None,
    )
    edited = graph(client, "POST", f"/{own['id']}", world.page_token, message="Welcome all")
    assert edited.get_json() == {"success": True}
    assert error_of(graph(client, "POST", f"/{comment}", world.page_token, message="x")) == (
        100,
        33,
    )


def test_people_edit_and_remove_their_comments(client, world: World, clock, receiver):
    subscribe(client, world, receiver)
    post_id, (comment,) = _post_with_comments(client, world, clock, "Price?")
    edited = control(client, f"comments/{comment}/edit", {"message": "Price of a latte?"})
    assert edited["webhook_status"] == "delivered"
    value = feed_changes(receiver)[-1]
    assert (value["verb"], value["message"], value["from"]["id"]) == (
        "edited",
        "Price of a latte?",
        world.person_id,
    )
    removed = control(client, f"comments/{comment}/remove")
    assert removed["webhook_status"] == "delivered"
    assert feed_changes(receiver)[-1]["verb"] == "remove"
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"][0]
    assert view["comments"][0]["deleted"] is True
    again = client.post(f"/_sandbox/comments/{comment}/edit", json={"message": "x"})
    assert again.status_code == 409
    page_reply = graph(client, "POST", f"/{post_id}/comments", world.page_token, message="Hi")
    refused = client.post(f"/_sandbox/comments/{page_reply.get_json()['id']}/remove")
    assert refused.status_code == 409


def test_deleting_a_top_level_comment_takes_its_replies(client, world: World, clock):
    post_id, (top,) = _post_with_comments(client, world, clock, "Top")
    graph(client, "POST", f"/{top}/comments", world.page_token, message="Reply")
    graph(client, "DELETE", f"/{top}", world.page_token)
    stream = graph(client, "GET", f"/{post_id}/comments", world.page_token, filter="stream")
    assert stream.get_json()["data"] == []


def test_private_reply_shows_on_the_comment(client, world: World, clock):
    post_id, (comment,) = _post_with_comments(client, world, clock, "DM me")
    graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        world.page_token,
        recipient={"comment_id": comment},
        message={"text": "Sent you the price"},
    )
    listed = graph(
        client, "GET", f"/{post_id}/comments", world.page_token, fields="can_reply_privately"
    ).get_json()["data"]
    assert listed == [{"can_reply_privately": False, "id": comment}]
    view = client.get(f"/_sandbox/pages/{world.page_id}/posts").get_json()["posts"][0]
    assert view["comments"][0]["private_reply_mid"].startswith("m_")
    assert view["comments"][0]["can_reply_privately"] is False
