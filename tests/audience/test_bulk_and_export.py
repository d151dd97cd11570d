"""Bulk tagging of ticked rows or of a whole filtered result, and the CSV export of a filter."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from app.core.subscribers import edits
from app.core.subscribers.models import Source, Subscriber
from app.extensions import db
from tests.factories import PageFactory, SubscriberFactory, UserFactory


def tags_of(*people: Subscriber) -> list[list[str]]:
    for person in people:
        db.session.refresh(person)
    return [person.tag_names for person in people]


def test_tagging_ticked_rows(marketer_client, make):
    ana, bob, cy = make("Ana"), make("Bob"), make("Cy")
    response = marketer_client.post(
        "/subscribers/bulk",
        data={"filter": "f=1", "scope": "selected", "ids": [ana.id, cy.id], "tags": "VIP, summer"},
    )
    assert response.status_code == 302
    assert response.location == "/subscribers/?f=1"
    assert tags_of(ana, bob, cy) == [["summer", "vip"], [], ["summer", "vip"]]
    follow = marketer_client.get(response.location)
    assert "Tagged 2 subscribers with vip, summer." in follow.text


def test_untagging_ticked_rows_leaves_other_tags(marketer_client, make):
    ana = make("Ana", tags=("vip", "summer"))
    bob = make("Bob", tags=("vip",))
    marketer_client.post(
        "/subscribers/bulk",
        data={
            "filter": "f=1",
            "scope": "selected",
            "ids": [ana.id, bob.id],
            "tags": "vip",
            "action": "remove",
        },
    )
    assert tags_of(ana, bob) == [["summer"], []]


def test_tagging_everyone_the_filter_matches(marketer_client, make):
    lisbon = [make(f"Lisbon {n}", fields={"city": "Lisbon"}) for n in range(3)]
    porto = make("Porto", fields={"city": "Porto"})
    already = make("Already", fields={"city": "Lisbon"}, tags=("local",))
    query = "f=1&field_name=city&field_op=equals&field_value=Lisbon"
    response = marketer_client.post(
        "/subscribers/bulk", data={"filter": query, "scope": "all", "tags": "local"}
    )
    assert response.location == f"/subscribers/?{query}"
    assert tags_of(*lisbon, already, porto) == [["local"]] * 4 + [[]]


def test_ticked_rows_outside_the_filter_or_the_workspace_are_not_touched(marketer_client, make):
    vip = make("Vip", tags=("vip",))
    other_vip = make("Not ticked", tags=("vip",))
    outside_filter = make("Not a vip")
    stranger = SubscriberFactory(name="Other workspace")
    marketer_client.post(
        "/subscribers/bulk",
        data={
            "filter": "f=1&tags_any=vip",
            "scope": "selected",
            "ids": [vip.id, outside_filter.id, stranger.id],
            "tags": "gold",
        },
    )
    assert tags_of(vip, other_vip, outside_filter, stranger) == [["gold", "vip"], ["vip"], [], []]


def test_bulk_refuses_bad_tags_no_selection_and_bad_filters(marketer_client, make):
    ana = make("Ana")
    response = marketer_client.post(
        "/subscribers/bulk",
        data={"filter": "f=1", "scope": "selected", "ids": [ana.id], "tags": "!!"},
        follow_redirects=True,
    )
    assert "is not a valid tag" in response.text
    response = marketer_client.post(
        "/subscribers/bulk", data={"filter": "f=1", "tags": "vip"}, follow_redirects=True
    )
    assert "Tick the subscribers to change" in response.text
    # A filter with an unreadable condition would be broader than meant: nothing is changed.
    response = marketer_client.post(
        "/subscribers/bulk",
        data={"filter": "f=1&first_seen_from=nope", "scope": "all", "tags": "vip"},
        follow_redirects=True,
    )
    assert "Fix the filter first" in response.text
    assert tags_of(ana) == [[]]


def test_bulk_on_a_foreign_segment_is_404(marketer_client, make):
    from app.core.subscribers import saved
    from app.core.subscribers.segments import SegmentFilter

    other = UserFactory()
    segment = saved.save(other.workspace_id, "Theirs", SegmentFilter())
    response = marketer_client.post(
        "/subscribers/bulk", data={"filter": f"segment={segment.id}", "scope": "all", "tags": "x"}
    )
    assert response.status_code == 404


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_holds_every_matching_row_exactly(marketer_client, make, acme):
    seen = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    wrote = datetime(2025, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
    ana = make(
        "Ana Silva",
        psid="111",
        first_name="Ana",
        last_name="Silva",
        locale="pt_PT",
        source=Source.LINK,
        ref="poster",
        first_seen_at=seen,
        last_inbound_at=wrote,
        tags=("vip", "coffee lover"),
        fields={"city": "Lisbon", "plan": "gold"},
    )
    sneaky = make(
        "=HYPERLINK(1)",
        psid="222",
        subscribed=False,
        unreachable=True,
        first_seen_at=seen,
        last_inbound_at=None,
        tags=("vip",),
        fields={"city": 'Porto, "north"'},
    )
    make("Not a vip", psid="333")
    SubscriberFactory(name="Other workspace vip")
    response = marketer_client.get("/subscribers/export.csv?f=1&tags_any=vip")
    assert read_csv(response) == [
        [
            "id", "psid", "page", "name", "first_name", "last_name", "locale", "source", "ref",
            "subscribed", "unreachable", "first_seen_at", "last_inbound_at", "tags",
            "field:city", "field:plan",
        ],
        [
            str(ana.id), "111", "Acme Coffee", "Ana Silva", "Ana", "Silva", "pt_PT", "link",
            "poster", "yes", "no", "2025-01-02T03:04:05+00:00", "2025-02-03T04:05:06.789000+00:00",
            "coffee lover, vip", "Lisbon", "gold",
        ],
        [
            str(sneaky.id), "222", "Acme Coffee", "'=HYPERLINK(1)", "", "", "", "organic", "",
            "no", "yes", "2025-01-02T03:04:05+00:00", "", "vip", "Porto, \"north\"", "",
        ],
    ]  # fmt: skip


def test_the_export_streams_past_one_chunk_and_follows_a_saved_segment(
    marketer_client, owner, make
):
    from app.audience import export
    from app.core.subscribers import saved
    from app.core.subscribers.segments import SegmentFilter

    bikes = PageFactory(workspace=owner.workspace, name="Acme Bikes")
    people = [make(f"Rider {n}", page=bikes) for n in range(export.CHUNK + 7)]
    make("Coffee drinker")
    segment = saved.save(owner.workspace_id, "Riders", SegmentFilter(page_ids=(bikes.id,)))
    response = marketer_client.get(f"/subscribers/export.csv?segment={segment.id}")
    rows = read_csv(response)
    assert [int(row[0]) for row in rows[1:]] == [person.id for person in people]
    assert f"segment-{segment.id}-" in response.headers["Content-Disposition"]


def test_the_export_link_carries_the_current_filter(marketer_client, make):
    make("Ana", tags=("vip",))
    html = marketer_client.get("/subscribers/?f=1&tags_any=vip").text
    assert 'href="/subscribers/export.csv?f=1&amp;tags_any=vip"' in html


def test_a_broken_filter_is_not_exported(marketer_client):
    response = marketer_client.get("/subscribers/export.csv?f=1&first_seen_to=soon")
    assert response.status_code == 302
    assert "first_seen_to" not in response.location  # back to the list without the bad value


def test_known_tags_feed_the_bulk_picker(marketer_client, make):
    ana = make("Ana")
    edits.add_tags([ana.id], ["alpha"])
    db.session.commit()
    assert '<option value="alpha">' in marketer_client.get("/subscribers/").text
