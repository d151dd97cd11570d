"""Parsing of X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage."""

from __future__ import annotations

import pytest

from app.core.graph import Usage, parse_usage

BUC = (
    '{"104857600123456":[{"type":"messenger","call_count":12,"total_cputime":3,'
    '"total_time":7,"estimated_time_to_regain_access":0},'
    '{"type":"pages","call_count":95,"total_cputime":4,"total_time":9,'
    '"estimated_time_to_regain_access":3}],'
    '"2233445566":[{"type":"pages","call_count":5,"total_cputime":1,"total_time":1,'
    '"estimated_time_to_regain_access":7}]}'
)


def test_all_three_headers_are_parsed():
    usage = parse_usage(
        {
            "X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
            "X-Page-Usage": '{"call_count":85,"total_cputime":56,"total_time":60}',
            "X-Business-Use-Case-Usage": BUC,
        }
    )

    assert usage.app == {"call_count": 28, "total_time": 25, "total_cputime": 25}
    assert usage.page == {"call_count": 85, "total_cputime": 56, "total_time": 60}
    assert sorted(usage.business) == ["104857600123456", "2233445566"]
    assert usage.business["104857600123456"][1]["type"] == "pages"


def test_max_percent_is_the_highest_figure_of_every_header():
    usage = parse_usage(
        {
            "X-App-Usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
            "X-Page-Usage": '{"call_count":85,"total_cputime":56,"total_time":60}',
            "X-Business-Use-Case-Usage": BUC,
        }
    )

    assert usage.max_percent == 95.0


def test_max_percent_considers_total_time_and_cputime_too():
    usage = parse_usage({"X-App-Usage": '{"call_count":3,"total_time":12,"total_cputime":71}'})

    assert usage.max_percent == 71.0


def test_regain_seconds_is_the_longest_buc_estimate_in_seconds():
    usage = parse_usage({"X-Business-Use-Case-Usage": BUC})

    assert usage.regain_seconds == 7 * 60.0


def test_header_names_are_case_insensitive():
    usage = parse_usage(
        {
            "x-app-usage": '{"call_count":40}',
            "X-PAGE-USAGE": '{"call_count":41}',
            "x-business-use-case-usage": BUC,
        }
    )

    assert usage.app == {"call_count": 40}
    assert usage.page == {"call_count": 41}
    assert usage.regain_seconds == 420.0


def test_missing_headers_give_empty_usage():
    usage = parse_usage({"Content-Type": "application/json"})

    assert usage == Usage()
    assert usage.max_percent == 0.0
    assert usage.regain_seconds == 0.0


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"85"', "", "null", '{"call_count": "lots"}']
)
def test_malformed_app_usage_is_ignored_without_losing_other_headers(raw):
    usage = parse_usage({"X-App-Usage": raw, "X-Page-Usage": '{"call_count":33}'})

    assert usage.max_percent == 33.0
    assert usage.page == {"call_count": 33}


def test_malformed_buc_entries_are_dropped():
    raw = '{"1":"oops","2":[{"call_count":50},"oops",{"call_count":true}],"3":[]}'

    usage = parse_usage({"X-Business-Use-Case-Usage": raw})

    assert usage.business == {"2": [{"call_count": 50}, {"call_count": True}], "3": []}
    assert usage.max_percent == 50.0
