"""Batch requests: building the batch field, the 50 limit, parsing per-operation results."""

from __future__ import annotations

import json

import pytest
from responses import matchers

from app.core.graph import (
    BatchOperation,
    BatchResult,
    GraphError,
    Recipient,
    RecipientUnavailable,
    SendResult,
    TokenInvalid,
    TransientError,
    send_message_operation,
    send_result_from_batch,
)
from tests.core.graph.helpers import BASE, PAGE_ID, PAGE_TOKEN, PSID, add_payload, signed

SEND_BODY = (
    "recipient=%7B%22id%22%3A%226021857384012345%22%7D"
    "&message=%7B%22text%22%3A%22Hello%21%22%7D&messaging_type=UPDATE"
)


def hello_operation() -> BatchOperation:
    """A send of "Hello!" to PSID as a batch operation."""
    return send_message_operation(
        PAGE_ID, Recipient.psid(PSID), {"text": "Hello!"}, messaging_type="UPDATE"
    )


def batch_matcher(batch_json: str) -> list:
    """Match the batch POST's exact form fields."""
    fields = signed({"include_headers": "false", "batch": batch_json})
    return [matchers.urlencoded_params_matcher(fields), matchers.query_string_matcher(None)]


def test_operation_to_dict_form_encodes_the_body():
    assert hello_operation().to_dict() == {
        "method": "POST",
        "relative_url": f"{PAGE_ID}/messages",
        "body": SEND_BODY,
    }


def test_operation_to_dict_includes_only_the_options_that_are_set():
    operation = BatchOperation(
        "DELETE", f"{PAGE_ID}_1", name="drop", depends_on="profile", omit_response_on_success=False
    )

    assert operation.to_dict() == {
        "method": "DELETE",
        "relative_url": f"{PAGE_ID}_1",
        "name": "drop",
        "depends_on": "profile",
        "omit_response_on_success": False,
    }


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="batch method"):
        BatchOperation("PATCH", "me")


def test_batch_posts_the_exact_form_fields(mocked, client):
    operations = [
        hello_operation(),
        BatchOperation("GET", f"{PSID}?fields=name", name="profile"),
        BatchOperation("DELETE", f"{PAGE_ID}_1", depends_on="profile"),
    ]
    expected_batch = (
        f'[{{"method":"POST","relative_url":"{PAGE_ID}/messages","body":"{SEND_BODY}"}},'
        f'{{"method":"GET","relative_url":"{PSID}?fields=name","name":"profile"}},'
        f'{{"method":"DELETE","relative_url":"{PAGE_ID}_1","depends_on":"profile"}}]'
    )
    mocked.post(f"{BASE}/", json=[None, None, None], match=batch_matcher(expected_batch))

    results = client.batch(operations)

    assert len(results) == 3


@pytest.mark.parametrize("count", [0, 51])
def test_batch_size_must_be_between_1_and_50(mocked, client, count):
    with pytest.raises(ValueError, match="operation"):
        client.batch([hello_operation()] * count)


def test_a_batch_of_50_sends_is_accepted_and_parsed(mocked, client):
    operations = [
        send_message_operation(
            PAGE_ID, Recipient.psid(str(n)), {"text": "Hello!"}, messaging_type="UPDATE"
        )
        for n in range(50)
    ]
    reply = [
        {"code": 200, "body": json.dumps({"recipient_id": str(n), "message_id": f"m_{n}"})}
        for n in range(50)
    ]
    batch_json = json.dumps([op.to_dict() for op in operations], separators=(",", ":"))
    mocked.post(f"{BASE}/", json=reply, match=batch_matcher(batch_json))

    sends = [send_result_from_batch(result) for result in client.batch(operations)]

    assert sends[0] == SendResult("0", "m_0")
    assert sends[49] == SendResult("49", "m_49")


def test_mixed_reply_gives_success_error_and_not_completed_in_order(mocked, client):
    add_payload(mocked, "POST", f"{BASE}/", "batch_mixed.json")

    sent, blocked, unfinished = client.batch([hello_operation()] * 3)

    assert sent.ok
    assert sent.status == 200
    assert sent.data["recipient_id"] == "6021857384012345"
    assert sent.headers == {"Content-Type": "text/javascript; charset=UTF-8"}
    assert send_result_from_batch(sent).message_id.startswith("m_AG5Hz2U")

    assert not blocked.ok
    assert blocked.status == 400
    assert type(blocked.error) is RecipientUnavailable
    assert (blocked.error.code, blocked.error.subcode) == (551, 1545041)
    assert blocked.error.http_status == 400
    assert blocked.error.usage.max_percent == 4.0

    assert not unfinished.ok
    assert unfinished.status is None
    assert type(unfinished.error) is TransientError


def test_send_result_from_batch_raises_the_operations_error(mocked, client):
    add_payload(mocked, "POST", f"{BASE}/", "batch_mixed.json")
    results = client.batch([hello_operation()] * 3)

    with pytest.raises(RecipientUnavailable):
        send_result_from_batch(results[1])
    with pytest.raises(TransientError):
        send_result_from_batch(results[2])


def test_missing_entries_count_as_not_completed(mocked, client):
    mocked.post(f"{BASE}/", json=[{"code": 200, "body": "{}"}])

    results = client.batch([hello_operation()] * 2)

    assert [result.status for result in results] == [200, None]
    assert isinstance(results[1].error, TransientError)


def test_an_error_body_with_status_200_is_still_an_error(mocked, client):
    body = json.dumps({"error": {"code": 190, "error_subcode": 463, "message": "expired"}})
    mocked.post(f"{BASE}/", json=[{"code": 200, "body": body}])

    (result,) = client.batch([hello_operation()])

    assert not result.ok
    assert isinstance(result.error, TokenInvalid)


def test_omitted_and_unparsable_bodies_are_handled(mocked, client):
    mocked.post(f"{BASE}/", json=[{"code": 200}, {"code": 200, "body": "true-ish"}])

    omitted, text = client.batch([hello_operation()] * 2)

    assert omitted.ok
    assert omitted.data is None
    assert send_result_from_batch(omitted) == SendResult(None, None)
    assert text.data == "true-ish"


def test_a_failed_batch_request_raises_and_is_not_retried(mocked, client, sleeps):
    add_payload(mocked, "POST", f"{BASE}/", "error_2_service.json")

    with pytest.raises(TransientError):
        client.batch([hello_operation()])

    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_batch_reply_that_is_not_a_list_is_an_error(mocked, client):
    mocked.post(f"{BASE}/", json={"data": []})

    with pytest.raises(GraphError, match="not a list"):
        client.batch([hello_operation()])


def test_result_ok_needs_a_2xx_status_and_no_error():
    assert BatchResult(status=201).ok
    assert not BatchResult(status=302).ok
    assert not BatchResult(status=None).ok
    assert not BatchResult(status=200, error=GraphError("x")).ok


def test_per_operation_errors_do_not_leak_the_token(mocked, client):
    body = json.dumps({"error": {"code": 190, "message": f"Malformed access token {PAGE_TOKEN}"}})
    mocked.post(f"{BASE}/", json=[{"code": 400, "body": body}])

    (result,) = client.batch([hello_operation()])

    assert result.error.message == "Malformed access token [redacted]"
