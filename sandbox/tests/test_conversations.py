"""The Conversations API: listing a Page's threads and their messages, paging, the rate limit."""

from __future__ import annotations

import re

import pytest

from sandbox.graph.conversations import conversation_id, psid_of
from sandbox.tests.conftest import World, control, graph, make_world, say, send
from sandbox.tests.test_posts import revoke
from sandbox.tests.test_send_api import error_of

GRAPH_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")
FIELDS = (
    "participants,updated_time,message_count,unread_count,messages{id,message,from,to,created_time}"
)


@pytest.fixture(autouse=True)
def _no_rate_limit(client) -> None:
    """Most tests here read more than twice a second of fake time."""
    control(client, "settings", {"conversations_rate_limit": 0})


def _person(client, first: str) -> str:
    return control(client, "people", {"first_name": first, "last_name": "Doe"})["id"]


def test_conversation_ids_are_opaque_and_reversible():
    assert conversation_id("2000000000000001") != "t_2000000000000001"
    assert psid_of(conversation_id("2123456789012345")) == "2123456789012345"
    assert psid_of("t_abc") is None


def test_list_conversations_with_participants_and_messages(client, world: World, clock):
    psid = say(client, world, "Hi there")["psid"]
    clock.advance(5)
    mid = send(client, world, psid, "Hello Maya").get_json()["message_id"]
    response = graph(
        client,
        "GET",
        f"/v25.0/{world.page_id}/conversations",
        world.page_token,
        platform="messenger",
        fields=FIELDS,
    )
    assert response.status_code == 200
    (conversation,) = response.get_json()["data"]
    assert conversation["id"] == conversation_id(psid)
    assert GRAPH_TIME.match(conversation["updated_time"])
    assert conversation["participants"]["data"] == [
        {"name": "Maya Thompson", "email": f"{psid}@facebook.com", "id": psid},
        {"name": "Acme Coffee", "email": f"{world.page_id}@facebook.com", "id": world.page_id},
    ]
    assert conversation["message_count"] == 2
    assert conversation["unread_count"] == 0  # the Page answered
    newest, oldest = conversation["messages"]["data"]
    assert newest["id"] == mid
    assert newest["message"] == "Hello Maya"
    assert newest["from"]["id"] == world.page_id
    assert newest["to"] == {"data": [conversation["participants"]["data"][0]]}
    assert oldest["message"] == "Hi there"
    assert oldest["from"]["id"] == psid
    assert GRAPH_TIME.match(oldest["created_time"])


def test_unread_count_counts_messages_after_the_page_last_looked(client, world: World, clock):
    psid = say(client, world, "one")["psid"]
    say(client, world, "two")
    data = graph(
        client, "GET", f"/{world.page_id}/conversations", world.page_token, fields="unread_count"
    ).get_json()["data"]
    assert data[0]["unread_count"] == 2
    clock.advance(1)
    graph(
        client,
        "POST",
        f"/{world.page_id}/messages",
        world.page_token,
        recipient={"id": psid},
        sender_action="mark_seen",
    )
    data = graph(
        client, "GET", f"/{world.page_id}/conversations", world.page_token, fields="unread_count"
    ).get_json()["data"]
    assert data[0]["unread_count"] == 0


def test_conversations_are_paged_most_recent_first(client, world: World, clock):
    psids = []
    for name in ("Ann", "Ben", "Cy"):
        person = _person(client, name)
        clock.advance(10)
        psids.append(
            control(client, f"people/{person}/messages", {"page_id": world.page_id, "text": "hi"})[
                "psid"
            ]
        )
    first = graph(
        client, "GET", f"/v25.0/{world.page_id}/conversations", world.page_token, limit=2
    ).get_json()
    assert [c["id"] for c in first["data"]] == [conversation_id(p) for p in psids[::-1][:2]]
    assert set(first["data"][0]) == {"id", "updated_time"}  # the default fields
    rest = client.get(first["paging"]["next"].split("localhost", 1)[1]).get_json()
    assert [c["id"] for c in rest["data"]] == [conversation_id(psids[0])]
    only = graph(
        client, "GET", f"/{world.page_id}/conversations", world.page_token, user_id=psids[1]
    ).get_json()["data"]
    assert [c["id"] for c in only] == [conversation_id(psids[1])]


def test_default_limit_is_25(client, world: World, clock):
    for n in range(27):
        person = _person(client, f"P{n}")
        control(client, f"people/{person}/messages", {"page_id": world.page_id, "text": "hi"})
    page = graph(client, "GET", f"/{world.page_id}/conversations", world.page_token).get_json()
    assert len(page["data"]) == 25
    assert "next" in page["paging"]


def test_conversation_messages_newest_first_and_paged(client, world: World, clock):
    psid = say(client, world, "m0")["psid"]
    for n in range(1, 5):
        clock.advance(1)
        say(client, world, f"m{n}")
    cid = conversation_id(psid)
    single = graph(client, "GET", f"/{cid}", world.page_token, fields="message_count,snippet")
    assert single.get_json() == {"message_count": 5, "snippet": "m4", "id": cid}
    first = graph(
        client,
        "GET",
        f"/v25.0/{cid}/messages",
        world.page_token,
        fields="id,message,from,to,created_time",
        limit=3,
    ).get_json()
    assert [m["message"] for m in first["data"]] == ["m4", "m3", "m2"]
    after = first["paging"]["cursors"]["after"]
    rest = graph(
        client, "GET", f"/{cid}/messages", world.page_token, fields="message", limit=3, after=after
    ).get_json()
    assert [m["message"] for m in rest["data"]] == ["m1", "m0"]
    nested = graph(
        client,
        "GET",
        f"/{world.page_id}/conversations",
        world.page_token,
        fields="messages.limit(2){message}",
    ).get_json()["data"][0]["messages"]
    assert [m["message"] for m in nested["data"]] == ["m4", "m3"]
    assert f"/{cid}/messages?" in nested["paging"]["next"]


def test_needs_a_page_token_with_pages_messaging_and_the_messaging_task(client, world: World):
    say(client, world)
    path = f"/{world.page_id}/conversations"
    assert error_of(graph(client, "GET", path, world.user_token)) == (210, None)
    revoke(client, world, "pages_messaging")
    assert error_of(graph(client, "GET", path, world.page_token)) == (10, None)


def test_messaging_task_is_required(client):
    world = make_world(client, tasks=["CREATE_CONTENT", "MODERATE"])
    response = graph(client, "GET", f"/{world.page_id}/conversations", world.page_token)
    assert error_of(response) == (200, None)
    assert "MESSAGING task is required" in response.get_json()["error"]["message"]


def test_another_pages_conversation_is_invisible(client, world: World):
    psid = say(client, world)["psid"]
    other = control(client, "pages", {"name": "Other", "admin_ids": [world.user_id]})["id"]
    token = control(client, "tokens", {"user_id": world.user_id, "scopes": ["pages_messaging"]})[
        "page_tokens"
    ][other]
    response = graph(client, "GET", f"/{conversation_id(psid)}/messages", token)
    assert error_of(response) == (100, 33)


def test_rate_limit_is_two_calls_per_second_per_page(client, world: World, clock):
    control(client, "settings", {"conversations_rate_limit": 2})
    path = f"/{world.page_id}/conversations"
    assert graph(client, "GET", path, world.page_token).status_code == 200
    assert graph(client, "GET", path, world.page_token).status_code == 200
    limited = graph(client, "GET", path, world.page_token)
    assert error_of(limited) == (613, None)
    assert "X-Business-Use-Case-Usage" in limited.headers
    assert client.get("/_sandbox/violations").get_json()["violations"][-1]["rule"] == (
        "conversations_rate_limit"
    )
    clock.advance(1)
    assert graph(client, "GET", path, world.page_token).status_code == 200


def test_instagram_platform_has_no_messenger_threads(client, world: World):
    say(client, world)
    data = graph(
        client, "GET", f"/{world.page_id}/conversations", world.page_token, platform="instagram"
    ).get_json()
    assert data == {"data": []}
    bad = graph(client, "GET", f"/{world.page_id}/conversations", world.page_token, platform="x")
    assert error_of(bad) == (100, None)
