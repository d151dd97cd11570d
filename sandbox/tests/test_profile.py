"""The User Profile API and the avatars the sandbox serves."""

from __future__ import annotations

from urllib.parse import urlsplit

from sandbox.tests.conftest import World, control, graph, say


def test_profile_fields_with_the_pages_token(client, world: World):
    psid = say(client, world)["psid"]
    data = graph(
        client,
        "GET",
        f"/v25.0/{psid}",
        world.page_token,
        fields="name,first_name,last_name,profile_pic,locale",
    ).get_json()
    assert data["name"] == "Maya Thompson"
    assert data["first_name"] == "Maya"
    assert data["last_name"] == "Thompson"
    assert data["locale"] == "en_US"
    assert data["id"] == psid
    avatar = client.get(urlsplit(data["profile_pic"]).path)
    assert avatar.status_code == 200
    assert avatar.mimetype == "image/svg+xml"
    assert b">MT</text>" in avatar.data


def test_default_profile_fields(client, world: World):
    psid = say(client, world)["psid"]
    data = graph(client, "GET", f"/{psid}", world.page_token).get_json()
    assert set(data) == {"name", "first_name", "last_name", "profile_pic", "id"}


def test_another_pages_psid_is_100_33(client, world: World):
    other = control(client, "pages", {"name": "Other", "admin_ids": [world.user_id]})["id"]
    foreign = control(
        client, f"people/{world.person_id}/messages", {"page_id": other, "text": "x"}
    )["psid"]
    error = graph(client, "GET", f"/v25.0/{foreign}", world.page_token).get_json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    user_token = graph(client, "GET", f"/v25.0/{foreign}", world.user_token).get_json()["error"]
    assert (user_token["code"], user_token["error_subcode"]) == (100, 33)


def test_unknown_profile_field(client, world: World):
    psid = say(client, world)["psid"]
    error = graph(client, "GET", f"/{psid}", world.page_token, fields="shoe_size").get_json()[
        "error"
    ]
    assert (
        error["message"]
        == "(#100) Tried accessing nonexisting field (shoe_size) on node type (User)"
    )


def test_unknown_avatar_is_404(client):
    assert client.get("/_sandbox/avatars/404404.svg").status_code == 404
