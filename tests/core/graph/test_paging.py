"""GraphClient.paginate: following paging.next across pages, safely."""

from __future__ import annotations

import logging

import pytest
from responses import matchers

from app.core.graph import GraphClient, GraphError, GraphSettings
from tests.core.graph.helpers import (
    BASE,
    PAGE_ID,
    PAGE_TOKEN,
    USER_TOKEN,
    expected_proof,
    load_payload,
    signed,
)

FEED = f"{BASE}/{PAGE_ID}/feed"
ACCOUNTS_LINK = "https://graph.facebook.com/v25.0/10158312345678901/accounts"
ACCOUNT_FIELDS = "id,name,access_token,tasks,category,username"


def page(items: list[dict], next_url: str | None = None) -> dict:
    """A paged reply as Graph sends it."""
    paging: dict = {"cursors": {"before": "QVFIUb", "after": "QVFIUa"}}
    if next_url is not None:
        paging["next"] = next_url
    return {"data": items, "paging": paging}


def link(after: str, token: str | None = PAGE_TOKEN) -> str:
    """A `next` link of the feed, carrying the token when given, as real links do."""
    token_part = f"access_token={token}&" if token else ""
    return f"{FEED}?{token_part}limit=2&after={after}"


def follow_up(after: str, token: str = PAGE_TOKEN) -> list:
    """Matcher for a request to link(after): the link's query plus the added proof."""
    query = {"access_token": token, "limit": "2", "after": after}
    return [matchers.query_param_matcher({**query, "appsecret_proof": expected_proof(token)})]


def test_items_of_three_pages_are_yielded_in_order(mocked, sleeps, settings):
    client = GraphClient(USER_TOKEN, settings, sleep=sleeps.append)
    first_query = signed({"fields": ACCOUNT_FIELDS, "limit": "2"}, USER_TOKEN)
    mocked.get(
        f"{BASE}/me/accounts",
        json=load_payload("accounts_page1.json"),
        match=[matchers.query_param_matcher(first_query)],
    )
    for after, payload in (
        ("QVFIUafter1", "accounts_page2.json"),
        ("QVFIUafter2", "accounts_page3.json"),
    ):
        query = signed({"fields": ACCOUNT_FIELDS, "limit": "2", "after": after}, USER_TOKEN)
        mocked.get(
            ACCOUNTS_LINK,
            json=load_payload(payload),
            match=[matchers.query_param_matcher(query)],
        )

    items = list(client.paginate("me/accounts", {"fields": ACCOUNT_FIELDS, "limit": 2}))

    assert [item["name"] for item in items] == ["Acme Shop", "Acme Support", "Acme Café"]
    assert len(mocked.calls) == 3


def test_an_empty_page_that_carries_next_does_not_stop_paging(mocked, client):
    mocked.get(FEED, json=page([], link("A")), match=[matchers.query_param_matcher(signed({}))])
    mocked.get(FEED, json=page([], link("B")), match=follow_up("A"))
    mocked.get(FEED, json=page([{"id": "3"}]), match=follow_up("B"))

    assert list(client.paginate(f"{PAGE_ID}/feed")) == [{"id": "3"}]


def test_short_pages_do_not_stop_paging(mocked, client):
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))
    mocked.get(FEED, json=page([{"id": "2"}, {"id": "3"}]), match=follow_up("A"))

    assert [item["id"] for item in client.paginate(f"{PAGE_ID}/feed", {"limit": 2})] == [
        "1",
        "2",
        "3",
    ]


def test_a_next_link_without_token_gets_token_and_proof(mocked, client):
    mocked.get(FEED, json=page([{"id": "1"}], link("A", token=None)))
    mocked.get(FEED, json=page([{"id": "2"}]), match=follow_up("A"))

    assert len(list(client.paginate(f"{PAGE_ID}/feed"))) == 2


def test_a_next_link_that_already_has_a_proof_is_used_unchanged(mocked, client):
    next_url = f"{link('A')}&appsecret_proof=fromthelink"
    mocked.get(FEED, json=page([{"id": "1"}], next_url))
    mocked.get(
        FEED,
        json=page([{"id": "2"}]),
        match=[
            matchers.query_string_matcher(
                f"access_token={PAGE_TOKEN}&limit=2&after=A&appsecret_proof=fromthelink"
            )
        ],
    )

    assert len(list(client.paginate(f"{PAGE_ID}/feed"))) == 2


def test_without_app_secret_the_next_link_is_followed_as_given(mocked, sleeps):
    client = GraphClient(PAGE_TOKEN, GraphSettings(), sleep=sleeps.append)
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))
    mocked.get(
        FEED,
        json=page([{"id": "2"}]),
        match=[matchers.query_string_matcher(f"access_token={PAGE_TOKEN}&limit=2&after=A")],
    )

    assert len(list(client.paginate(f"{PAGE_ID}/feed"))) == 2


def test_a_repeated_next_link_stops_paging(mocked, client, caplog):
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))
    mocked.get(FEED, json=page([{"id": "2"}], link("A")), match=follow_up("A"))

    items = list(client.paginate(f"{PAGE_ID}/feed"))

    assert items == [{"id": "1"}, {"id": "2"}]
    assert len(mocked.calls) == 2
    assert any("next link repeated" in record.getMessage() for record in caplog.records)


def test_max_pages_bounds_the_walk(mocked, client):
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))
    mocked.get(FEED, json=page([{"id": "2"}], link("B")), match=follow_up("A"))

    items = list(client.paginate(f"{PAGE_ID}/feed", max_pages=2))

    assert items == [{"id": "1"}, {"id": "2"}]
    assert len(mocked.calls) == 2


def test_max_pages_must_be_positive(client):
    with pytest.raises(ValueError, match="max_pages"):
        next(client.paginate(f"{PAGE_ID}/feed", max_pages=0))


def test_a_follow_up_page_is_retried_on_transient_failure(mocked, client, sleeps):
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))
    mocked.get(FEED, status=500, json={"error": {"code": 2, "message": "retry"}})
    mocked.get(FEED, json=page([{"id": "2"}]), match=follow_up("A"))

    assert len(list(client.paginate(f"{PAGE_ID}/feed"))) == 2
    assert sleeps == [0.5]


def test_pages_are_fetched_lazily(mocked, client):
    mocked.get(FEED, json=page([{"id": "1"}], link("A")))

    first = next(client.paginate(f"{PAGE_ID}/feed"))

    assert first == {"id": "1"}
    assert len(mocked.calls) == 1


def test_a_reply_without_a_data_list_is_an_error(mocked, client):
    mocked.get(FEED, json={"data": {"id": "1"}})

    with pytest.raises(GraphError, match="data"):
        list(client.paginate(f"{PAGE_ID}/feed"))


def test_follow_up_requests_are_logged_without_their_query(mocked, client, caplog):
    mocked.get(FEED, json=page([], link("A")))
    mocked.get(FEED, json=page([]), match=follow_up("A"))
    caplog.set_level(logging.DEBUG, logger="app.core.graph")

    list(client.paginate(f"{PAGE_ID}/feed"))

    messages = [record.getMessage() for record in caplog.records]
    assert len([message for message in messages if "/feed -> 200" in message]) == 2
    assert all(PAGE_TOKEN not in message and "after" not in message for message in messages)
