"""Every segment filter given to GET /api/v1/subscribers selects what `segments.query` selects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.db import utcnow
from app.core.models import PageStatus
from app.core.subscribers import edits, segments
from app.core.subscribers.models import Source
from app.core.subscribers.segments import FieldCondition, SegmentFilter
from app.extensions import db
from tests.factories import PageFactory, SubscriberFactory

NOW = utcnow()
LISBON = timezone(timedelta(hours=1))  # an offset other than UTC, to prove offsets are read


def at(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def crowd(fb_page, workspace, other_page) -> dict:
    """Subscribers that differ in every way a filter can tell apart."""
    second = PageFactory(workspace=workspace, name="Acme Bikes")
    gone = PageFactory(workspace=workspace, status=PageStatus.DISCONNECTED)
    people = [
        # page, name, tags, fields, options
        (fb_page, "Ana Silva", ["vip", "coffee"], {"city": "Lisbon"}, {}),
        (fb_page, "Bruno Costa", ["coffee"], {"city": "Porto"},
         {"last_inbound_at": at(3), "source": Source.LINK, "ref": "summer"}),
        (fb_page, "Carla Dias", [], {}, {"last_inbound_at": at(10), "subscribed": False}),
        (second, "Duarte Reis", ["vip"], {"city": "Lisboa"},
         {"last_inbound_at": None, "source": Source.AD, "first_seen_at": at(40)}),
        (second, "Eva Lopes", ["bikes"], {"plan": "gold"},
         {"unreachable": True, "source": Source.LINK, "ref": "winter", "first_seen_at": at(20)}),
        (second, "Ana Rita", ["vip", "bikes"], {}, {"last_inbound_at": at(0.5)}),
        (gone, "Ana Hidden", ["vip"], {"city": "Lisbon"}, {}),
        (other_page, "Ana Elsewhere", ["vip"], {"city": "Lisbon"}, {}),
    ]  # fmt: skip
    made = []
    for page, name, tags, fields, options in people:
        subscriber = SubscriberFactory(page=page, name=name, **options)
        if tags:
            edits.add_tags([subscriber.id], tags)
        edits.set_fields(subscriber, fields)
        made.append(subscriber)
    db.session.commit()
    return {"second": second, "people": made}


def iso(value: datetime) -> str:
    return value.astimezone(LISBON).isoformat()


def on_fields(*conditions: tuple[str, ...]) -> SegmentFilter:
    return SegmentFilter(fields=tuple(FieldCondition(*condition) for condition in conditions))


CASES = [
    ({}, SegmentFilter()),
    ({"page_id": "SECOND"}, SegmentFilter(page_ids=("SECOND",))),
    ({"tags_any": "vip,coffee"}, SegmentFilter(tags_any=("vip", "coffee"))),
    ({"tags_any": ["bikes", "coffee"]}, SegmentFilter(tags_any=("bikes", "coffee"))),
    ({"tags_all": ["vip", "coffee"]}, SegmentFilter(tags_all=("vip", "coffee"))),
    ({"tags_all": "vip, bikes"}, SegmentFilter(tags_all=("vip", "bikes"))),
    ({"tags_none": "vip"}, SegmentFilter(tags_none=("vip",))),
    ({"subscribed": "false"}, SegmentFilter(subscribed=False)),
    ({"subscribed": "true"}, SegmentFilter(subscribed=True)),
    ({"reachable": "false"}, SegmentFilter(reachable=False)),
    ({"reachable": "true"}, SegmentFilter(reachable=True)),
    ({"window": "open"}, SegmentFilter(window="open")),
    ({"window": "human_agent"}, SegmentFilter(window="human_agent")),
    ({"window": "closed"}, SegmentFilter(window="closed")),
    ({"source": "link"}, SegmentFilter(sources=("link",))),
    ({"source": ["ad", "link"]}, SegmentFilter(sources=("ad", "link"))),
    ({"ref": "summer"}, SegmentFilter(refs=("summer",))),
    ({"ref": "summer,winter"}, SegmentFilter(refs=("summer", "winter"))),
    ({"first_seen_from": iso(at(30))}, SegmentFilter(first_seen_from=at(30))),
    ({"first_seen_to": iso(at(10))}, SegmentFilter(first_seen_to=at(10))),
    (
        {"first_seen_from": iso(at(30)), "first_seen_to": iso(at(10))},
        SegmentFilter(first_seen_from=at(30), first_seen_to=at(10)),
    ),
    ({"last_active_from": iso(at(1))}, SegmentFilter(last_active_from=at(1))),
    (
        {"last_active_from": iso(at(5)), "last_active_to": iso(at(1))},
        SegmentFilter(last_active_from=at(5), last_active_to=at(1)),
    ),
    ({"last_active_from": at(1).astimezone(UTC).isoformat().replace("+00:00", "Z")},
     SegmentFilter(last_active_from=at(1))),
    ({"field": "city:equals:Lisbon"}, on_fields(("city", "equals", "Lisbon"))),
    ({"field": "city:not_equals:Lisbon"}, on_fields(("city", "not_equals", "Lisbon"))),
    ({"field": "city:contains:LISB"}, on_fields(("city", "contains", "LISB"))),
    ({"field": "city:is_set"}, on_fields(("city", "is_set"))),
    ({"field": "city:is_not_set"}, on_fields(("city", "is_not_set"))),
    (
        {"field": ["city:is_set", "city:not_equals:Porto"]},
        on_fields(("city", "is_set"), ("city", "not_equals", "Porto")),
    ),
    ({"search": "ana"}, SegmentFilter(search="ana")),
    ({"search": "PSID"}, SegmentFilter(search="PSID")),
    (
        {"page_id": "SECOND", "tags_any": "vip", "window": "closed"},
        SegmentFilter(page_ids=("SECOND",), tags_any=("vip",), window="closed"),
    ),
]  # fmt: skip


def _resolve(value, second_id: int, psid: str):
    if value == "SECOND":
        return second_id
    if value == "PSID":
        return psid
    if isinstance(value, tuple):
        return tuple(_resolve(item, second_id, psid) for item in value)
    if isinstance(value, list):
        return [_resolve(item, second_id, psid) for item in value]
    return value


@pytest.mark.parametrize(("params", "expected_filter"), CASES)
def test_the_api_selects_what_segments_query_selects(
    api, crowd, workspace, params, expected_filter
):
    second_id, psid = crowd["second"].id, crowd["people"][4].psid
    params = {name: _resolve(value, second_id, psid) for name, value in params.items()}
    expected_filter = SegmentFilter(
        **{
            name: _resolve(getattr(expected_filter, name), second_id, psid)
            for name in expected_filter.__dataclass_fields__
        }
    )
    expected = [s.id for s in db.session.scalars(segments.query(workspace.id, expected_filter))]
    everyone = [s.id for s in db.session.scalars(segments.query(workspace.id, SegmentFilter()))]
    if params:  # every case must tell people apart, or it could not catch a filter ignored
        assert 0 < len(expected) < len(everyone)
    got = [item["id"] for item in api.all_items("/api/v1/subscribers", limit=2, **params)]
    assert got == expected
