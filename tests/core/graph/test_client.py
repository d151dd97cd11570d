"""GraphClient transport: URLs, signed tokens, encoding, timeouts, retries, secrecy, logging."""

from __future__ import annotations

import logging
import random

import pytest
import requests
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError

from app.core.graph import GraphClient, GraphError, GraphSettings, RateLimited, TransientError
from tests.core.graph.helpers import (
    APP_SECRET,
    BASE,
    PAGE_ID,
    PAGE_TOKEN,
    CeilingRandom,
    add_payload,
    expected_proof,
    signed,
)


def test_get_sends_token_and_appsecret_proof_in_the_query(mocked, client):
    mocked.get(
        f"{BASE}/{PAGE_ID}",
        json={"id": PAGE_ID, "name": "Acme"},
        match=[matchers.query_param_matcher(signed({"fields": "id,name"}))],
    )

    response = client.get(PAGE_ID, {"fields": "id,name"})

    assert response.data == {"id": PAGE_ID, "name": "Acme"}
    assert response.status == 200


def test_appsecret_proof_is_hmac_sha256_of_the_token_keyed_by_the_secret(mocked, client):
    mocked.get(f"{BASE}/me", json={"id": "1"})

    client.get("me")

    sent = mocked.calls[0].request.params
    assert sent["appsecret_proof"] == expected_proof(PAGE_TOKEN, APP_SECRET)
    assert len(sent["appsecret_proof"]) == 64


def test_post_sends_a_form_body_and_no_query_string(mocked, client):
    mocked.post(
        f"{BASE}/{PAGE_ID}/feed",
        json={"id": f"{PAGE_ID}_1"},
        match=[
            matchers.urlencoded_params_matcher(signed({"message": "Hello"})),
            matchers.query_string_matcher(None),
            matchers.header_matcher({"Content-Type": "application/x-www-form-urlencoded"}),
        ],
    )

    assert client.post(f"{PAGE_ID}/feed", {"message": "Hello"}).data == {"id": f"{PAGE_ID}_1"}


def test_delete_sends_token_in_the_query(mocked, client):
    mocked.delete(
        f"{BASE}/{PAGE_ID}_1",
        json={"success": True},
        match=[matchers.query_param_matcher(signed({}))],
    )

    assert client.delete(f"{PAGE_ID}_1").data == {"success": True}


def test_object_values_are_compact_json_with_unicode_kept(mocked, client):
    fields = {
        "recipient": {"id": "42"},
        "message": {"text": "Grüße ✓", "quick_replies": [{"content_type": "text"}]},
        "published": False,
        "count": 3,
        "tag": None,
    }
    expected = {
        "recipient": '{"id":"42"}',
        "message": '{"text":"Grüße ✓","quick_replies":[{"content_type":"text"}]}',
        "published": "false",
        "count": "3",
    }
    mocked.post(
        f"{BASE}/me/messages",
        json={},
        match=[matchers.urlencoded_params_matcher(signed(expected))],
    )

    client.post("me/messages", fields)


def test_no_appsecret_proof_without_an_app_secret(mocked, sleeps):
    client = GraphClient(PAGE_TOKEN, GraphSettings(), sleep=sleeps.append)
    mocked.get(
        f"{BASE}/me",
        json={"id": "1"},
        match=[matchers.query_param_matcher({"access_token": PAGE_TOKEN})],
    )

    client.get("me")


def test_no_token_means_no_access_token_and_no_proof(mocked, settings, sleeps):
    client = GraphClient(None, settings, sleep=sleeps.append)
    mocked.get(
        f"{BASE}/oauth/access_token",
        json={},
        match=[matchers.query_param_matcher({"client_id": "1"})],
    )

    client.get("oauth/access_token", {"client_id": "1"})


@pytest.mark.parametrize(
    ("base_url", "path", "expected"),
    [
        ("https://graph.facebook.com", "me", "https://graph.facebook.com/v25.0/me"),
        (
            "https://graph.facebook.com/",
            "/me/accounts",
            "https://graph.facebook.com/v25.0/me/accounts",
        ),
        ("http://127.0.0.1:5601", "123/messages", "http://127.0.0.1:5601/v25.0/123/messages"),
        ("http://127.0.0.1:5601/", "", "http://127.0.0.1:5601/v25.0/"),
    ],
)
def test_url_joins_base_version_and_path(base_url, path, expected):
    client = GraphClient(PAGE_TOKEN, GraphSettings(base_url=base_url))

    assert client.url(path) == expected


def test_sandbox_base_url_is_really_called(mocked, sleeps):
    settings = GraphSettings(base_url="http://127.0.0.1:5601/")
    client = GraphClient(PAGE_TOKEN, settings, sleep=sleeps.append)
    mocked.get(
        "http://127.0.0.1:5601/v25.0/me",
        json={"id": "7"},
        match=[matchers.query_param_matcher({"access_token": PAGE_TOKEN})],
    )

    assert client.get("/me").data == {"id": "7"}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_every_request_carries_connect_and_read_timeouts(mocked, sleeps, method):
    settings = GraphSettings(connect_timeout=1.5, read_timeout=9.0)
    client = GraphClient(PAGE_TOKEN, settings, sleep=sleeps.append)
    mocked.add(
        method,
        f"{BASE}/me",
        json={},
        match=[matchers.request_kwargs_matcher({"timeout": (1.5, 9.0)})],
    )

    getattr(client, method.lower())("me")


def test_response_carries_usage_and_plain_headers(mocked, client):
    mocked.get(
        f"{BASE}/me",
        json={"id": "1"},
        headers={"X-App-Usage": '{"call_count":42,"total_time":7,"total_cputime":3}'},
    )

    response = client.get("me")

    assert response.usage.app == {"call_count": 42, "total_time": 7, "total_cputime": 3}
    assert response.usage.max_percent == 42.0
    assert type(response.headers) is dict
    assert response.headers["X-App-Usage"] == '{"call_count":42,"total_time":7,"total_cputime":3}'


def test_an_error_envelope_with_status_200_still_raises(mocked, client):
    mocked.get(f"{BASE}/me", json={"error": {"message": "(#100) bad", "code": 100}})

    with pytest.raises(GraphError) as raised:
        client.get("me")

    assert raised.value.code == 100
    assert raised.value.http_status == 200


def test_a_non_json_success_body_is_an_error(mocked, client):
    mocked.get(f"{BASE}/me", body="<html>ok</html>", status=200)

    with pytest.raises(GraphError, match=r"non-JSON reply \(200\) to GET /v25\.0/me") as raised:
        client.get("me")

    assert type(raised.value) is GraphError


@pytest.mark.parametrize(
    ("method", "status", "maybe_delivered"),
    [("post", 504, True), ("post", 502, True), ("post", 503, False), ("get", 504, False)],
)
def test_a_gateway_error_page_makes_a_post_uncertain(
    mocked, client, method, status, maybe_delivered
):
    getattr(mocked, method)(
        f"{BASE}/me/messages", body="<html>504 Gateway Time-out</html>", status=status
    )

    call = (
        (lambda: client.post("me/messages", {"message": {"text": "hi"}}))
        if method == "post"
        else (lambda: client.get("me/messages"))
    )

    with pytest.raises(TransientError) as raised:
        call()

    assert raised.value.maybe_delivered is maybe_delivered
    assert raised.value.http_status == status


@pytest.mark.parametrize(
    ("exception", "phrase"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), "timed out (ConnectTimeout)"),
        (requests.exceptions.ReadTimeout("read timed out"), "timed out (ReadTimeout)"),
        (requests.exceptions.ConnectionError("reset by peer"), "connection failed"),
        (requests.exceptions.ChunkedEncodingError("broken"), "connection failed"),
    ],
)
def test_timeouts_and_connection_errors_become_transient_errors(mocked, client, exception, phrase):
    mocked.post(f"{BASE}/me/messages", body=exception)

    with pytest.raises(TransientError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        client.post("me/messages", {"message": {"text": "hi"}})


def test_other_request_failures_are_graph_errors_not_transient(mocked, client):
    mocked.get(f"{BASE}/me", body=requests.exceptions.TooManyRedirects("loop"))

    with pytest.raises(GraphError, match="could not be sent") as raised:
        client.get("me")

    assert not isinstance(raised.value, TransientError)


def test_token_and_secret_never_appear_in_request_failure_messages(mocked, client):
    leaked_url = f"{BASE}/me?access_token={PAGE_TOKEN}&appsecret_proof=abc"
    error = requests.exceptions.ConnectionError(
        f"HTTPSConnectionPool: Max retries exceeded with url: {leaked_url} "
        f"(token {PAGE_TOKEN}, secret {APP_SECRET})"
    )
    mocked.post(f"{BASE}/me/messages", body=error)

    with pytest.raises(TransientError) as raised:
        client.post("me/messages", {"message": {"text": "hi"}})

    text = f"{raised.value} {raised.value!r} {raised.value.message}"
    assert PAGE_TOKEN not in text
    assert APP_SECRET not in text
    assert "Max retries exceeded" in text
    assert raised.value.__suppress_context__


def test_token_quoted_by_graph_is_redacted_from_the_error(mocked, client):
    mocked.get(
        f"{BASE}/me",
        status=400,
        json={
            "error": {
                "message": f"Malformed access token {PAGE_TOKEN}",
                "type": "OAuthException",
                "code": 190,
                "error_user_msg": f"Token {PAGE_TOKEN} is not valid",
            }
        },
    )

    with pytest.raises(GraphError) as raised:
        client.get("me")

    assert raised.value.message == "Malformed access token [redacted]"
    assert raised.value.user_msg == "Token [redacted] is not valid"
    assert PAGE_TOKEN not in str(raised.value)


def test_repr_of_the_client_hides_the_token(client):
    assert PAGE_TOKEN not in repr(client)
    assert "token=set" in repr(client)


def test_requests_are_logged_at_debug_without_query_or_token(mocked, client, caplog):
    mocked.get(f"{BASE}/me", json={"id": "1"})
    caplog.set_level(logging.DEBUG, logger="app.core.graph")

    client.get("me", {"fields": "id"})

    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("graph GET /v25.0/me -> 200 in ") for message in messages)
    assert all(PAGE_TOKEN not in message and "fields" not in message for message in messages)


def test_transient_get_is_retried_with_capped_exponential_backoff(mocked, client, sleeps):
    for _ in range(2):
        add_payload(mocked, "GET", f"{BASE}/me", "error_1_unknown.json")
    mocked.get(f"{BASE}/me", json={"id": "1"})

    assert client.get("me").data == {"id": "1"}
    assert sleeps == [0.5, 1.0]
    assert len(mocked.calls) == 3


def test_get_gives_up_after_max_retries(mocked, client, sleeps):
    add_payload(mocked, "GET", f"{BASE}/me", "error_2_service.json")

    with pytest.raises(TransientError) as raised:
        client.get("me")

    assert raised.value.code == 2
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(mocked.calls) == 4


def test_backoff_is_capped(mocked, sleeps):
    settings = GraphSettings(max_retries=5, backoff_base=0.5, backoff_cap=1.5)
    client = GraphClient(PAGE_TOKEN, settings, sleep=sleeps.append, rng=CeilingRandom())
    mocked.get(f"{BASE}/me", status=503, body="Service Unavailable")

    with pytest.raises(TransientError):
        client.get("me")

    assert sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]


def test_backoff_uses_full_jitter_from_the_injected_random(mocked, sleeps):
    client = GraphClient(PAGE_TOKEN, GraphSettings(), sleep=sleeps.append, rng=random.Random(7))
    mocked.get(f"{BASE}/me", body=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(TransientError):
        client.get("me")

    reference = random.Random(7)
    assert sleeps == [reference.uniform(0.0, ceiling) for ceiling in (0.5, 1.0, 2.0)]
    assert all(
        0.0 <= delay <= ceiling for delay, ceiling in zip(sleeps, (0.5, 1.0, 2.0), strict=True)
    )


def test_a_get_timeout_is_retried(mocked, client, sleeps):
    mocked.get(f"{BASE}/me", body=requests.exceptions.ReadTimeout("slow"))
    mocked.get(f"{BASE}/me", json={"id": "1"})

    assert client.get("me").data == {"id": "1"}
    assert sleeps == [0.5]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_post_and_delete_are_never_retried(mocked, client, sleeps, method):
    add_payload(mocked, method, f"{BASE}/me/messages", "error_1200_temporary_send.json")

    with pytest.raises(TransientError):
        getattr(client, method.lower())("me/messages")

    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_post_timeout_is_not_retried(mocked, client, sleeps):
    mocked.post(f"{BASE}/me/messages", body=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(TransientError):
        client.post("me/messages", {"message": {"text": "hi"}})

    assert len(mocked.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("exception", "maybe_delivered"),
    [
        (requests.exceptions.ReadTimeout("slow"), True),
        (requests.exceptions.ChunkedEncodingError("cut off"), True),
        (requests.exceptions.ConnectTimeout("no route"), False),
        (
            requests.exceptions.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, "refused"))
            ),
            False,
        ),
    ],
)
def test_a_failed_post_says_whether_graph_may_have_acted(
    mocked, client, exception, maybe_delivered
):
    mocked.post(f"{BASE}/me/messages", body=exception)

    with pytest.raises(TransientError) as raised:
        client.post("me/messages", {"message": {"text": "hi"}})

    assert raised.value.maybe_delivered is maybe_delivered


def test_a_get_failure_is_never_maybe_delivered(mocked, client, sleeps):
    mocked.get(f"{BASE}/me", body=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(TransientError) as raised:
        client.get("me")

    assert raised.value.maybe_delivered is False


def test_rate_limits_are_not_retried_even_on_get(mocked, client, sleeps):
    add_payload(mocked, "GET", f"{BASE}/me", "error_4_app_limit.json")

    with pytest.raises(RateLimited) as raised:
        client.get("me")

    assert raised.value.retry_after == 60.0
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_permanent_errors_are_not_retried(mocked, client, sleeps):
    add_payload(mocked, "GET", f"{BASE}/me", "error_190_463_expired.json")

    with pytest.raises(GraphError):
        client.get("me")

    assert len(mocked.calls) == 1
    assert sleeps == []


def test_retries_are_logged_without_the_token(mocked, client, caplog):
    add_payload(mocked, "GET", f"{BASE}/me", "error_1_unknown.json")
    mocked.get(f"{BASE}/me", json={})
    caplog.set_level(logging.INFO, logger="app.core.graph")

    client.get("me")

    messages = [record.getMessage() for record in caplog.records]
    assert "graph GET /v25.0/me failed transiently; retry in 0.50 s" in messages
    assert all(PAGE_TOKEN not in message for message in messages)
