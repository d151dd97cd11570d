"""Segment conditions that are easy to get wrong: wildcards, case, names."""

from __future__ import annotations

from app.core.subscribers import edits, segments
from app.core.subscribers.segments import FieldCondition, SegmentFilter
from app.extensions import db
from tests.factories import PageFactory, SubscriberFactory


def names(workspace_id: int, segment: SegmentFilter) -> list[str]:
    return sorted(s.display_name for s in db.session.scalars(segments.query(workspace_id, segment)))


def test_search_takes_wildcards_literally_and_reads_every_name(app):
    page = PageFactory()
    SubscriberFactory(page=page, name="50% Off Fan")
    SubscriberFactory(page=page, name=None, first_name="Ana", last_name="Lima")
    SubscriberFactory(page=page, name="Plain Person", psid="7000000000000999")
    ws = page.workspace_id
    assert names(ws, SegmentFilter(search="50%")) == ["50% Off Fan"]
    assert names(ws, SegmentFilter(search="_")) == []
    assert names(ws, SegmentFilter(search="lima")) == ["Ana Lima"]
    assert names(ws, SegmentFilter(search=" 7000000000000999 ")) == ["Plain Person"]


def test_tag_filters_ignore_case_and_spaces(app):
    page = PageFactory()
    vip = SubscriberFactory(page=page, name="Vip")
    SubscriberFactory(page=page, name="Other")
    edits.add_tags([vip.id], ["Big Spender"])
    db.session.commit()
    assert names(page.workspace_id, SegmentFilter(tags_any=("  BIG   spender ",))) == ["Vip"]


def test_contains_takes_wildcards_literally(app):
    page = PageFactory()
    a, b = SubscriberFactory(page=page, name="A"), SubscriberFactory(page=page, name="B")
    edits.set_fields(a, {"code": "x_1"})
    edits.set_fields(b, {"code": "xy1"})
    db.session.commit()
    condition = FieldCondition("code", "contains", "x_")
    assert names(page.workspace_id, SegmentFilter(fields=(condition,))) == ["A"]


def test_tagging_a_whole_query_is_one_statement_and_idempotent(app):
    page = PageFactory()
    people = SubscriberFactory.create_batch(5, page=page)
    query = (
        segments.query(page.workspace_id, SegmentFilter())
        .with_only_columns(segments.Subscriber.id)
        .order_by(None)
    )
    edits.add_tags_where(query, ["Promo"])
    edits.add_tags_where(query, ["promo"])
    db.session.commit()
    assert all(p.tag_names == ["promo"] for p in people)
    edits.remove_tags_where(query, ["PROMO"])
    db.session.commit()
    db.session.expire_all()
    assert all(p.tag_names == [] for p in people)
