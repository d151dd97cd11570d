"""GET/PATCH /api/v1/subscribers: the segment filters as query parameters, one subscriber, edits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.core.models import PageStatus
from app.core.policy import WINDOW
from app.core.subscribers import edits, saved
from app.core.subscribers.models import Source, Subscriber
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db
from tests.api.conftest import iso
from tests.factories import PageFactory, SubscriberFactory


def ids(items: list[dict]) -> list[int]:
    return [item["id"] for item in items]


def tag(subscriber: Subscriber, *tags: str, **fields: str) -> Subscriber:
    edits.add_tags([subscriber.id], list(tags))
    edits.set_fields(subscriber, fields)
    db.session.commit()
    return subscriber


def test_a_subscriber_in_full(api, fb_page):
    inbound = utcnow() - timedelta(hours=2)
    subscriber = SubscriberFactory(
        page=fb_page,
        psid="7000000000000042",
        name="Ana Silva",
        first_name="Ana",
        last_name="Silva",
        profile_pic="https://cdn.example/ana.jpg",
        locale="pt_PT",
        source=Source.LINK,
        ref="summer",
        last_inbound_at=inbound,
        last_outbound_at=inbound + timedelta(minutes=5),
        unreachable=True,
        unreachable_reason="blocked",
    )
    tag(subscriber, "vip", "coffee lover", city="Lisbon", plan="gold")
    response = api.get(f"/api/v1/subscribers/{subscriber.id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": subscriber.id,
        "page_id": fb_page.id,
        "psid": "7000000000000042",
        "profile": {
            "name": "Ana Silva",
            "first_name": "Ana",
            "last_name": "Silva",
            "profile_pic": "https://cdn.example/ana.jpg",
            "locale": "pt_PT",
        },
        "source": "link",
        "ref": "summer",
        "first_seen_at": iso(subscriber.first_seen_at),
        "last_inbound_at": iso(inbound),
        "last_outbound_at": iso(inbound + timedelta(minutes=5)),
        "window": {"state": "open", "changes_at": iso(inbound + WINDOW)},
        "subscribed": True,
        "unreachable": True,
        "unreachable_reason": "blocked",
        "tags": ["coffee lover", "vip"],
        "fields": {"city": "Lisbon", "plan": "gold"},
    }


def test_a_subscriber_who_never_wrote_has_a_closed_window(api, fb_page):
    subscriber = SubscriberFactory(page=fb_page, last_inbound_at=None, name=None)
    body = api.get(f"/api/v1/subscribers/{subscriber.id}").get_json()
    assert body["window"] == {"state": "closed", "changes_at": None}
    assert body["profile"]["name"] is None
    assert (body["tags"], body["fields"]) == ([], {})


def test_the_list_pages_through_every_subscriber_stably(api, fb_page):
    originals = SubscriberFactory.create_batch(5, page=fb_page)
    first = api.get("/api/v1/subscribers?limit=2").get_json()
    assert ids(first["data"]) == [s.id for s in originals[:2]]
    assert first["data"][0]["psid"] == originals[0].psid
    newcomer = SubscriberFactory(page=fb_page)  # arrives while the client is paging
    db.session.delete(originals[1])  # and one already seen leaves
    db.session.commit()
    rest, cursor = [], first["next_cursor"]
    while cursor:
        body = api.get(f"/api/v1/subscribers?limit=2&cursor={cursor}").get_json()
        rest += ids(body["data"])
        cursor = body["next_cursor"]
    assert rest == [s.id for s in originals[2:]] + [newcomer.id]


def test_the_list_leaves_out_disconnected_pages_and_other_workspaces(api, fb_page, other_page):
    mine = SubscriberFactory(page=fb_page)
    gone_page = PageFactory(workspace=fb_page.workspace, status=PageStatus.DISCONNECTED)
    gone = SubscriberFactory(page=gone_page)
    theirs = SubscriberFactory(page=other_page)
    assert ids(api.all_items("/api/v1/subscribers")) == [mine.id]
    for hidden in (gone, theirs):
        assert api.get(f"/api/v1/subscribers/{hidden.id}").status_code == 404
        response = api.patch(f"/api/v1/subscribers/{hidden.id}", json={"tags_add": ["x"]})
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "No subscriber with this id."
    assert edits.known_tags(other_page.workspace_id) == []


def test_patch_adds_and_removes_tags_and_sets_and_removes_fields(api, fb_page):
    subscriber = tag(SubscriberFactory(page=fb_page), "old", "keep", city="Porto", plan="x")
    response = api.patch(
        f"/api/v1/subscribers/{subscriber.id}",
        json={
            "tags_add": ["VIP", "keep"],
            "tags_remove": ["old"],
            "fields": {"city": "Lisbon", "plan": None, "Team": "blue"},
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["tags"] == ["keep", "vip"]
    assert body["fields"] == {"city": "Lisbon", "team": "blue"}
    db.session.expire_all()
    stored = db.session.get(Subscriber, subscriber.id)
    assert (stored.tag_names, stored.field_values) == (body["tags"], body["fields"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tags_add": ["ok", "no/slash"]}, "“no/slash” is not a valid tag"),
        ({"tags_add": ["vip"], "tags_remove": ["VIP"]}, "Tags both added and removed: vip."),
        ({"tags_add": ["new"], "fields": {"9lives": "x"}}, "“9lives” is not a valid field name"),
        ({"fields": {"city": "Lisbon", "bio": "x" * 501}}, "The value of bio is over 500"),
    ],
)
def test_an_invalid_edit_is_422_and_changes_nothing(api, fb_page, change, message):
    subscriber = tag(SubscriberFactory(page=fb_page), "old", city="Porto")
    response = api.patch(f"/api/v1/subscribers/{subscriber.id}", json=change)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith(message)
    db.session.expire_all()
    stored = db.session.get(Subscriber, subscriber.id)
    assert (stored.tag_names, stored.field_values) == (["old"], {"city": "Porto"})


def test_patch_refuses_a_body_of_the_wrong_shape(api, fb_page):
    subscriber = SubscriberFactory(page=fb_page)
    response = api.patch(
        f"/api/v1/subscribers/{subscriber.id}", json={"tags_add": "vip", "colour": "red"}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "tags_add": ["Not a valid list."],
        "colour": ["Unknown field."],
    }


def test_segment_id_applies_a_saved_segment_and_narrows_it(api, fb_page, workspace):
    vip = tag(SubscriberFactory(page=fb_page), "vip")
    vip_lapsed = tag(SubscriberFactory(page=fb_page, subscribed=False), "vip")
    tag(SubscriberFactory(page=fb_page), "regular")
    segment = saved.save(workspace.id, "VIPs", SegmentFilter(tags_any=("vip",)))
    assert ids(api.all_items("/api/v1/subscribers", segment_id=segment.id)) == [
        vip.id,
        vip_lapsed.id,
    ]
    narrowed = api.all_items("/api/v1/subscribers", segment_id=segment.id, subscribed="false")
    assert ids(narrowed) == [vip_lapsed.id]


def test_an_unknown_or_foreign_segment_id_is_404(api, other_page):
    theirs = saved.save(other_page.workspace_id, "Theirs", SegmentFilter())
    for segment_id in (theirs.id, 999999):
        response = api.get(f"/api/v1/subscribers?segment_id={segment_id}")
        assert response.status_code == 404
        assert response.get_json()["error"]["message"] == "No saved segment with this id."


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("window=sometimes", {"window": ["Must be one of: open, human_agent, closed."]}),
        ("source=carrier-pigeon", {"source": {"0": ["Must be one of: organic, link, comment, "
                                                    "phone_invite, ad, plugin, import."]}}),
        ("subscribed=perhaps", {"subscribed": ["Not a valid boolean."]}),
        ("page_id=abc", {"page_id": {"0": ["Not a valid integer."]}}),
        ("first_seen_from=2024-05-01T00:00:00",
         {"first_seen_from": ["Not a valid aware datetime."]}),
        ("field=city:like:x", {"field": {"0": [
            "Use name:operator:value with an operator among equals, not_equals, contains, "
            "is_set, is_not_set."
        ]}}),
        ("tag=vip", {"tag": ["Unknown field."]}),
    ],
)  # fmt: skip
def test_invalid_filters_are_422_with_details(api, query, details):
    response = api.get(f"/api/v1/subscribers?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == details
