"""Every error the API returns has one shape, and the dashboard keeps its own pages."""

from __future__ import annotations

import pytest

from app.api import services
from app.core.api.pagination import encode_cursor


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert set(body["error"]) <= {"status", "code", "message", "details"}
    return body["error"]


@pytest.mark.parametrize("key", ["", None])  # with and without a key: routing comes first
def test_an_unknown_api_path_is_404_in_the_api_shape(api, key):
    response = api.get("/api/v1/nothing-here", key=key)
    assert error_of(response, 404, "not_found") == {
        "status": 404,
        "code": "not_found",
        "message": "Not found.",
    }


def test_an_unknown_id_is_404_with_a_message(api):
    error = error_of(api.get("/api/v1/pages/999999"), 404, "not_found")
    assert error["message"] == "No Page with this id."


def test_a_wrong_method_is_405_with_allow(api):
    response = api.call("PUT", "/api/v1/pages")
    error_of(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_non_integer_id_is_404(api):
    error_of(api.get("/api/v1/subscribers/abc"), 404, "not_found")


def test_invalid_json_is_400(api):
    response = api.post(
        "/api/v1/segments", data="{not json", headers={"Content-Type": "application/json"}
    )
    error_of(response, 400, "bad_request")


def test_validation_errors_are_422_with_field_details(api):
    response = api.post("/api/v1/segments", json={"filter": {"window": "sometimes"}})
    error = error_of(response, 422, "validation_error")
    assert error["message"] == "Some fields are not valid; see details."
    assert error["details"] == {
        "name": ["Missing data for required field."],
        "filter": {"window": ["Must be one of: open, human_agent, closed."]},
    }


def test_unknown_query_parameters_are_422(api):
    error = error_of(api.get("/api/v1/pages?colour=red"), 422, "validation_error")
    assert error["details"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_a_limit_out_of_range_is_422(api, limit):
    error = error_of(api.get(f"/api/v1/pages?limit={limit}"), 422, "validation_error")
    assert list(error["details"]) == ["limit"]


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", "MTIz", "djE6YWJj", encode_cursor(2**31)],  # "123", "v1:abc", past any id
)
def test_a_cursor_that_is_not_ours_is_422(api, cursor):
    error = error_of(api.get(f"/api/v1/pages?cursor={cursor}"), 422, "validation_error")
    assert error["details"] == {"cursor": ["Not a valid cursor; use next_cursor as given."]}


def test_an_id_no_row_can_have_is_404_not_a_database_error(api):
    error = error_of(api.get(f"/api/v1/subscribers/{HUGE}"), 404, "not_found")
    assert error["message"] == "Not found."


@pytest.mark.parametrize("query", [f"page_id={HUGE}", f"segment_id={HUGE}", "page_id=0"])
def test_id_filters_out_of_range_are_422(api, query):
    error = error_of(api.get(f"/api/v1/subscribers?{query}"), 422, "validation_error")
    assert list(error["details"]) == [query.split("=")[0]]


def test_a_body_over_the_size_cap_is_413(make_app, api):
    small = make_app(MAX_CONTENT_LENGTH=1000)
    response = small.test_client().post(
        "/api/v1/segments/preview",
        json={"filter": {"search": "x" * 5000}},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    error_of(response, 413, "payload_too_large")


def test_a_bug_is_500_in_the_api_shape_without_the_traceback(api, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "list_pages", broken)
    response = api.get("/api/v1/pages")
    error = error_of(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert error["message"].startswith("Herald hit an error")


def test_the_dashboard_keeps_its_html_error_pages(owner_client):
    response = owner_client.get("/no-such-dashboard-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_the_dashboard_json_errors_outside_the_api_are_unchanged(client):
    response = client.get("/webhooks/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["title"] == "Page not found"
