"""Exact audiences for tricky segments, and preview counts that equal the policy's decisions."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.broadcasts import audience, lifecycle
from app.broadcasts.models import BroadcastRecipient, Intent
from app.core import policy
from app.core.db import utcnow
from app.core.models import PageStatus
from app.core.subscribers import edits, saved
from app.core.subscribers.models import Source
from app.core.subscribers.segments import FieldCondition, SegmentFilter
from app.extensions import db
from tests.broadcasts.conftest import make_broadcast, subscriber
from tests.factories import PageFactory


@pytest.fixture
def crowd(page):
    """Subscribers of every kind on the Page, plus people who must never be included."""
    people = {
        "vip_lisbon": subscriber(page, hours_ago=2, name="Vip Lisbon"),
        "vip_staff": subscriber(page, hours_ago=3),
        "vip_porto_old": subscriber(page, hours_ago=30),
        "coffee_week": subscriber(page, hours_ago=24 * 5),
        "never_wrote": subscriber(page, hours_ago=None),
        "unsubscribed": subscriber(page, hours_ago=1, subscribed=False),
        "unreachable": subscriber(page, hours_ago=1, unreachable=True),
        "in_chat": subscriber(
            page, hours_ago=1, operator_active_at=utcnow() - timedelta(minutes=5)
        ),
        "chat_over": subscriber(
            page, hours_ago=1, operator_active_at=utcnow() - timedelta(hours=2)
        ),
        "from_link": subscriber(page, hours_ago=40, source=Source.LINK, ref="poster"),
        "edge_window": subscriber(page, hours_ago=23.99),
    }
    edits.add_tags(
        [people["vip_lisbon"].id, people["vip_staff"].id, people["vip_porto_old"].id], ["vip"]
    )
    edits.add_tags([people["vip_staff"].id], ["staff"])
    edits.add_tags([people["coffee_week"].id, people["in_chat"].id], ["coffee"])
    edits.set_fields(people["vip_lisbon"], {"city": "Lisbon"})
    edits.set_fields(people["vip_porto_old"], {"city": "Porto"})
    db.session.commit()
    # Never in this Page's audience: another Page of the workspace, and another workspace.
    sibling = PageFactory(workspace=page.workspace)
    subscriber(sibling, hours_ago=1)
    edits.add_tags([subscriber(sibling, hours_ago=1).id], ["vip"])
    edits.add_tags([subscriber(PageFactory(), hours_ago=1).id], ["vip"])
    db.session.commit()
    return people


def recipients_of(broadcast) -> set[int]:
    lifecycle.start(broadcast)
    lifecycle.prepare(broadcast.id)
    query = select(BroadcastRecipient.subscriber_id).where(
        BroadcastRecipient.broadcast_id == broadcast.id
    )
    return set(db.session.scalars(query))


def ids(crowd, *names) -> set[int]:
    return {crowd[name].id for name in names}


@pytest.mark.parametrize(
    ("audience_data", "expected"),
    [
        ({}, "all"),
        (
            {"filter": {"tags_any": ["vip"], "tags_none": ["staff"]}},
            ("vip_lisbon", "vip_porto_old"),
        ),
        ({"filter": {"tags_all": ["vip", "staff"]}}, ("vip_staff",)),
        (
            {"filter": {"tags_any": ["vip", "coffee"], "window": "open"}},
            ("vip_lisbon", "vip_staff", "in_chat"),
        ),
        (
            {
                "filter": {
                    "fields": [{"name": "city", "operator": "not_equals", "value": "Lisbon"}],
                    "tags_any": ["vip"],
                }
            },
            ("vip_staff", "vip_porto_old"),
        ),
        (
            {
                "filter": {
                    "fields": [{"name": "city", "operator": "is_not_set"}],
                    "window": "human_agent",
                }
            },
            ("coffee_week", "from_link"),
        ),
        ({"filter": {"sources": ["link"], "refs": ["poster"]}}, ("from_link",)),
        ({"filter": {"window": "closed"}}, ("never_wrote",)),
        ({"filter": {"tags_any": ["nobody-has-this"]}}, ()),
        ({"filter": {"page_ids": [999999]}}, ()),  # a segment of another Page reaches nobody here
    ],
)
def test_recipients_are_exactly_the_segment_on_the_page(page, crowd, audience_data, expected):
    broadcast = make_broadcast(page, audience=audience_data)
    everyone = {person.id for person in crowd.values()}
    assert recipients_of(broadcast) == (everyone if expected == "all" else ids(crowd, *expected))
    assert broadcast.total_recipients == len(recipients_of(broadcast))  # created once


def test_active_within_days_counts_back_from_the_start(page, crowd):
    broadcast = make_broadcast(
        page, audience={"filter": {"tags_any": ["vip"]}, "active_within_days": 1}
    )
    assert recipients_of(broadcast) == ids(crowd, "vip_lisbon", "vip_staff")


def test_a_saved_segment_is_read_when_sending_starts_or_from_its_snapshot(page, crowd):
    segment = saved.save(page.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",)))
    broadcast = make_broadcast(page, audience={"segment_id": segment.id})
    assert broadcast.audience["segment_name"] == "VIPs"
    saved.save(
        page.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",), tags_none=("staff",)), segment
    )
    assert recipients_of(broadcast) == ids(crowd, "vip_lisbon", "vip_porto_old")
    snapshot = make_broadcast(page, audience={"segment_id": segment.id})
    saved.remove(segment)
    assert recipients_of(snapshot) == ids(crowd, "vip_lisbon", "vip_porto_old")


def test_another_workspaces_segment_cannot_be_used(page):
    foreign = saved.save(PageFactory().workspace_id, "Theirs", SegmentFilter())
    with pytest.raises(audience.AudienceError):
        audience.resolve(page.workspace_id, {"segment_id": foreign.id})


def policy_buckets(page, intent: Intent, tag: str | None) -> Counter:
    """What `policy.decide` says for every subscriber of the Page, in the preview's buckets."""
    settings = policy.settings_for(page.workspace)
    buckets: Counter = Counter()
    for person in db.session.scalars(audience.subscribers(page.workspace_id, page.id, {})):
        decision = policy.decide(
            person,
            sender=policy.Sender.AUTOMATION,
            purpose=policy.Purpose.PROACTIVE,
            tag=tag,
            settings=settings,
        )
        if decision.allowed:
            buckets["tagged" if decision.messaging_type == "MESSAGE_TAG" else "in_window"] += 1
        else:
            buckets["held" if decision.held else decision.reason] += 1
    return buckets


@pytest.mark.parametrize(
    ("intent", "tag"),
    [(Intent.PROMOTIONAL, None), (Intent.UPDATE, "POST_PURCHASE_UPDATE")],
)
def test_preview_counts_equal_the_policy_for_every_kind_of_recipient(page, crowd, intent, tag):
    counts = audience.counts(page, {}, intent, policy.settings_for(page.workspace))
    expected = policy_buckets(page, intent, tag)
    found = Counter({"in_window": counts.in_window, "tagged": counts.tagged, **counts.excluded})
    assert +found == +expected
    assert counts.total == len(crowd)
    assert counts.excluded["held"] == 1
    assert counts.excluded["unreachable"] == 1
    if intent == Intent.PROMOTIONAL:
        assert counts.excluded["outside_window"] == 4
        assert counts.receiving == 4  # edge_window (23.99 h ago) still counts as inside
    else:
        assert counts.tagged == 4
        assert "outside_window" not in counts.excluded


def test_counts_follow_the_workspace_hold_setting(page, crowd):
    page.workspace.settings = {**page.workspace.settings, "operator_hold_minutes": 1}
    db.session.commit()
    counts = audience.counts(page, {}, Intent.PROMOTIONAL, policy.settings_for(page.workspace))
    assert "held" not in counts.excluded
    assert Counter({"in_window": counts.in_window, **counts.excluded}) == +policy_buckets(
        page, Intent.PROMOTIONAL, None
    )


def test_a_disconnected_page_reaches_nobody(page, crowd):
    page.status = PageStatus.NEEDS_RECONNECT
    db.session.commit()
    counts = audience.counts(page, {}, Intent.PROMOTIONAL, policy.settings_for(page.workspace))
    assert counts.receiving == 0
    assert counts.excluded == {"page_unavailable": len(crowd)}


def test_field_conditions_round_trip_through_the_stored_audience(page, crowd):
    stored = audience.resolve(
        page.workspace_id,
        {"filter": SegmentFilter(fields=(FieldCondition("city", "equals", "Lisbon"),)).to_json()},
    )
    assert set(db.session.scalars(audience.subscribers(page.workspace_id, page.id, stored))) == {
        crowd["vip_lisbon"]
    }
