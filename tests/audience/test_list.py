"""The subscribers list: every filter returns exactly the expected people; pages of results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audience import services
from app.audience.filters import form_for, parse
from app.core.db import utcnow
from app.core.models import PageStatus
from app.core.policy import Window, window_state
from app.core.subscribers.models import Source
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db
from tests.audience.conftest import ids, listed
from tests.factories import PageFactory


def test_every_subscriber_of_the_workspace_is_listed_most_recent_first(marketer_client, make):
    old = make("Old", hours_ago=300)
    new = make("New", hours_ago=1)
    never = make("Never", hours_ago=None)
    assert listed(marketer_client, "/subscribers/") == [new.id, old.id, never.id]


@pytest.fixture
def tagged(make):
    """Five people with overlapping tags."""
    return {
        "a": make("Only A", tags=("a",)),
        "b": make("Only B", tags=("b",)),
        "ab": make("A and B", tags=("a", "b")),
        "abc": make("A, B and C", tags=("a", "b", "c")),
        "none": make("No tags"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tags_any=a&tags_any=b", {"a", "b", "ab", "abc"}),
        ("tags_any=a,c", {"a", "ab", "abc"}),
        ("tags_all=a&tags_all=b", {"ab", "abc"}),
        ("tags_all=a,b,c", {"abc"}),
        ("tags_none=a", {"b", "none"}),
        ("tags_none=a&tags_none=b", {"none"}),
        ("tags_any=a&tags_none=c", {"a", "ab"}),
        ("tags_all=b&tags_none=c", {"b", "ab"}),
        ("tags_any=b&tags_all=a&tags_none=c", {"ab"}),
        ("tags_any=A", {"a", "ab", "abc"}),  # typed in capitals: tags are stored lower case
        ("tags_any=nobody-has-it", set()),
    ],
)
def test_tag_conditions(marketer_client, tagged, query, expected):
    shown = listed(marketer_client, f"/subscribers/?f=1&{query}")
    assert set(shown) == ids(*(tagged[key] for key in expected))


def test_the_window_filter_cuts_at_24_hours_and_7_days(marketer_client, make):
    minute = 1 / 60
    open_ = make("Wrote 23h59 ago", hours_ago=24 - minute)
    human_early = make("Wrote 24h01 ago", hours_ago=24 + minute)
    human_late = make("Wrote 6d23h59 ago", hours_ago=7 * 24 - minute)
    closed = make("Wrote 7d00h01 ago", hours_ago=7 * 24 + minute)
    never = make("Never wrote", hours_ago=None)
    assert set(listed(marketer_client, "/subscribers/?f=1&window=open")) == ids(open_)
    assert set(listed(marketer_client, "/subscribers/?f=1&window=human_agent")) == ids(
        human_early, human_late
    )
    assert set(listed(marketer_client, "/subscribers/?f=1&window=closed")) == ids(closed, never)


def test_the_sql_window_and_the_policy_agree_exactly_on_the_boundaries(app, owner, make):
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    people = {
        "24h": make("24h", last_inbound_at=now - timedelta(hours=24)),
        "24h+": make("24h+", last_inbound_at=now - timedelta(hours=24, microseconds=1)),
        "7d": make("7d", last_inbound_at=now - timedelta(days=7)),
        "7d+": make("7d+", last_inbound_at=now - timedelta(days=7, microseconds=1)),
    }
    for window in Window:
        result = services.listing(
            owner.workspace_id, SegmentFilter(window=window.value), now=now, per_page=100
        )
        in_sql = {row.subscriber.id for row in result.rows}
        by_policy = {p.id for p in people.values() if window_state(p, now).window == window}
        assert in_sql == by_policy, window
    assert window_state(people["24h"], now).window == Window.OPEN
    assert window_state(people["7d+"], now).window == Window.CLOSED


def test_subscribed_and_reachable(marketer_client, make):
    fine = make("Fine")
    stopped = make("Stopped", subscribed=False)
    blocked = make("Blocked", unreachable=True, unreachable_reason="551")
    both = make("Both", subscribed=False, unreachable=True)
    assert set(listed(marketer_client, "/subscribers/?f=1&subscribed=yes")) == ids(fine, blocked)
    assert set(listed(marketer_client, "/subscribers/?f=1&subscribed=no")) == ids(stopped, both)
    assert set(listed(marketer_client, "/subscribers/?f=1&reachable=yes")) == ids(fine, stopped)
    assert set(listed(marketer_client, "/subscribers/?f=1&reachable=no")) == ids(blocked, both)
    url = "/subscribers/?f=1&subscribed=yes&reachable=yes"
    assert set(listed(marketer_client, url)) == ids(fine)


def test_sources_and_refs(marketer_client, make):
    organic = make("Organic")
    poster = make("Poster", source=Source.LINK, ref="poster")
    flyer = make("Flyer", source=Source.LINK, ref="flyer")
    ad = make("Ad", source=Source.AD, ref="ad-42")
    url = "/subscribers/?f=1&source=link&source=ad"
    assert set(listed(marketer_client, url)) == ids(poster, flyer, ad)
    assert set(listed(marketer_client, "/subscribers/?f=1&source=organic")) == ids(organic)
    assert set(listed(marketer_client, "/subscribers/?f=1&ref=poster, ad-42")) == ids(poster, ad)
    url = "/subscribers/?f=1&source=link&ref=flyer&ref=ad-42"
    assert set(listed(marketer_client, url)) == ids(flyer)


def test_date_ranges_are_whole_days_in_the_workspace_time_zone(marketer_client, owner, make):
    owner.workspace.timezone = "America/New_York"
    db.session.commit()
    # 03:00 UTC on 10 March is still 9 March in New York.
    late_9th = make("Late on the 9th", first_seen_at=datetime(2025, 3, 10, 3, 0, tzinfo=UTC))
    on_10th = make("On the 10th", first_seen_at=datetime(2025, 3, 10, 15, 0, tzinfo=UTC))
    on_12th = make("On the 12th", first_seen_at=datetime(2025, 3, 12, 15, 0, tzinfo=UTC))
    base = "/subscribers/?f=1"
    assert set(listed(marketer_client, f"{base}&first_seen_from=2025-03-10")) == ids(
        on_10th, on_12th
    )
    assert set(listed(marketer_client, f"{base}&first_seen_to=2025-03-09")) == ids(late_9th)
    url = f"{base}&first_seen_from=2025-03-10&first_seen_to=2025-03-10"
    assert set(listed(marketer_client, url)) == ids(on_10th)


def test_last_active_range(marketer_client, make):
    recent = make("Recent", hours_ago=2)
    last_month = make("Last month", hours_ago=24 * 30)
    make("Never", hours_ago=None)
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert set(listed(marketer_client, f"/subscribers/?f=1&last_active_from={since}")) == ids(
        recent
    )
    until = (utcnow() - timedelta(days=20)).date().isoformat()
    assert set(listed(marketer_client, f"/subscribers/?f=1&last_active_to={until}")) == ids(
        last_month
    )


@pytest.fixture
def citizens(make):
    return {
        "lisbon": make("Lisbon gold", fields={"city": "Lisbon", "plan": "gold"}),
        "porto": make("Porto", fields={"city": "Porto"}),
        "new_lisbon": make("New Lisbon", fields={"city": "New lisbon", "plan": "free"}),
        "nowhere": make("No fields"),
    }


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([("city", "equals", "Lisbon")], {"lisbon"}),
        ([("city", "not_equals", "Lisbon")], {"porto", "new_lisbon", "nowhere"}),
        ([("city", "contains", "LISBON")], {"lisbon", "new_lisbon"}),
        ([("plan", "is_set", "")], {"lisbon", "new_lisbon"}),
        ([("plan", "is_not_set", "")], {"porto", "nowhere"}),
        ([("city", "contains", "lisbon"), ("plan", "equals", "free")], {"new_lisbon"}),
        ([("City", "equals", "Porto")], {"porto"}),  # field names are case-insensitive
    ],
)
def test_custom_field_conditions(marketer_client, citizens, conditions, expected):
    query = "".join(
        f"&field_name={name}&field_op={op}&field_value={value}" for name, op, value in conditions
    )
    # The form always sends one blank row more: it must be ignored.
    query += "&field_name=&field_op=equals&field_value="
    shown = listed(marketer_client, f"/subscribers/?f=1{query}")
    assert set(shown) == ids(*(citizens[key] for key in expected))


def test_search_by_name_or_exact_psid_and_by_page(marketer_client, owner, make, acme):
    bikes = PageFactory(workspace=owner.workspace, name="Acme Bikes")
    ana = make("Ana Silva", psid="1111")
    joana = make("Joana", page=bikes, psid="2222")
    bob = make("Bob", psid="3333")
    assert set(listed(marketer_client, "/subscribers/?f=1&q=ANA")) == ids(ana, joana)
    assert set(listed(marketer_client, "/subscribers/?f=1&q=3333")) == ids(bob)
    url = f"/subscribers/?f=1&q=ana&page_id={acme.id}"
    assert set(listed(marketer_client, url)) == ids(ana)
    url = f"/subscribers/?f=1&page_id={acme.id}&page_id={bikes.id}"
    assert set(listed(marketer_client, url)) == ids(ana, joana, bob)


def test_subscribers_of_a_disconnected_page_are_not_listed(marketer_client, owner, make):
    gone = PageFactory(workspace=owner.workspace, status=PageStatus.DISCONNECTED)
    here = make("Here")
    make("Gone", page=gone)
    assert set(listed(marketer_client, "/subscribers/")) == ids(here)


def test_invalid_values_are_reported_and_left_out(marketer_client, make):
    everyone = {make("One").id, make("Two").id}
    response = marketer_client.get(
        "/subscribers/?f=1&first_seen_from=yesterday&tags_any=%21%21&field_name=9bad"
    )
    assert response.status_code == 200
    assert "Some conditions were left out" in response.text
    assert "“yesterday” is not a date" in response.text
    assert "is not a valid tag" in response.text
    assert "is not a valid field name" in response.text
    assert set(listed(marketer_client, "/subscribers/?f=1&first_seen_from=bad")) == everyone


def test_the_form_shows_the_filter_it_applied(marketer_client, make):
    make("Ana", tags=("vip",))
    html = marketer_client.get(
        "/subscribers/?f=1&tags_any=vip&window=open&q=ana&field_name=city&field_op=contains"
        "&field_value=lis"
    ).text
    assert 'name="tags_any" value="vip" data-pick-label="vip" checked' in html
    assert '<option value="open" selected>' in html
    assert 'name="q" value="ana"' in html
    assert 'name="field_value" value="lis"' in html
    assert "Any tag: vip" in html  # the chips describing the filter
    assert "city contains “lis”" in html


def test_the_form_round_trips_through_the_query_string_and_saved_filters():
    from werkzeug.datastructures import MultiDict

    zone = UTC
    args = MultiDict(
        [
            ("page_id", "3"),
            ("tags_any", "a, b"),
            ("tags_none", "c"),
            ("subscribed", "no"),
            ("window", "human_agent"),
            ("source", "link"),
            ("ref", "x, y"),
            ("first_seen_from", "2025-01-01"),
            ("last_active_to", "2025-02-28"),
            ("field_name", "city"),
            ("field_op", "equals"),
            ("field_value", "Lisbon"),
            ("q", "ana"),
        ]
    )
    segment_filter, form = parse(args, zone)
    assert segment_filter.last_active_to == datetime(2025, 3, 1, tzinfo=UTC)
    again, _ = parse(MultiDict(form.args()), zone)
    assert again == segment_filter
    saved = SegmentFilter.from_json(segment_filter.to_json())
    assert form_for(saved, zone).args() == form.args()


def test_pages_of_results(marketer_client, make):
    people = [make(f"Person {n:02d}", hours_ago=n + 1) for n in range(60)]
    first = listed(marketer_client, "/subscribers/?per=25")
    assert first == [person.id for person in people[:25]]
    third = listed(marketer_client, "/subscribers/?per=25&p=3")
    assert third == [person.id for person in people[50:]]
    assert listed(marketer_client, "/subscribers/?per=25&p=99") == third  # past the end: last page
    html = marketer_client.get("/subscribers/?per=25&p=2").text
    assert "Showing <span>26</span>\N{EN DASH}<span>50</span> of 60" in html
    assert 'href="/subscribers/?f=1&amp;sort=active&amp;per=25&amp;p=3"' in html


def test_pagination_keeps_the_filter_and_the_sort(marketer_client, make):
    vips = [make(f"Vip {n:02d}", tags=("vip",), hours_ago=n + 1) for n in range(30)]
    make("Not a vip")
    page_two = listed(marketer_client, "/subscribers/?f=1&tags_any=vip&per=25&p=2&sort=name")
    assert page_two == [person.id for person in vips[25:]]
    html = marketer_client.get("/subscribers/?f=1&tags_any=vip&per=25&sort=name").text
    assert "tags_any=vip&amp;sort=name&amp;per=25&amp;p=2" in html
