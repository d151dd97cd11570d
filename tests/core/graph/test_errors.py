"""Classification of Graph errors by code and subcode, with usage and wait estimates."""

from __future__ import annotations

import pickle

import pytest

from app.core.graph import (
    GraphError,
    InvalidParameter,
    OutsideWindow,
    PermissionDenied,
    PrivateReplyNotAllowed,
    RateLimited,
    RecipientUnavailable,
    TokenInvalid,
    TransientError,
    Usage,
    classify,
    parse_usage,
)
from tests.core.graph.helpers import BASE, add_payload, load_payload

STORED_ERRORS = [
    # (payload file, class, HTTP status, code, subcode)
    ("error_190_463_expired.json", TokenInvalid, 400, 190, 463),
    ("error_190_460_password_changed.json", TokenInvalid, 400, 190, 460),
    ("error_190_no_subcode.json", TokenInvalid, 400, 190, None),
    ("error_10_2018278_outside_window.json", OutsideWindow, 400, 10, 2018278),
    ("error_10_2018108_cannot_receive.json", RecipientUnavailable, 400, 10, 2018108),
    ("error_10_dev_mode.json", PermissionDenied, 400, 10, None),
    ("error_551.json", RecipientUnavailable, 400, 551, 1545041),
    ("error_100_2018001.json", RecipientUnavailable, 400, 100, 2018001),
    ("error_100_invalid_field.json", InvalidParameter, 400, 100, None),
    ("error_613.json", RateLimited, 400, 613, None),
    ("error_4_app_limit.json", RateLimited, 403, 4, None),
    ("error_32_page_limit.json", RateLimited, 400, 32, None),
    ("error_80006_messenger_buc.json", RateLimited, 400, 80006, None),
    ("error_10900.json", PrivateReplyNotAllowed, 400, 10900, None),
    ("error_10903.json", PrivateReplyNotAllowed, 400, 10903, None),
    ("error_200.json", PermissionDenied, 403, 200, None),
    ("error_1_unknown.json", TransientError, 500, 1, None),
    ("error_2_service.json", TransientError, 500, 2, None),
    ("error_1200_temporary_send.json", TransientError, 500, 1200, None),
    ("error_368_abusive.json", GraphError, 400, 368, None),
]


@pytest.mark.parametrize(("name", "error_class", "status", "code", "subcode"), STORED_ERRORS)
def test_stored_meta_errors_raise_their_class(
    mocked, client, name, error_class, status, code, subcode
):
    add_payload(mocked, "POST", f"{BASE}/me/messages", name)
    envelope = load_payload(name)["body"]["error"]

    with pytest.raises(GraphError) as raised:
        client.post("me/messages", {"message": {"text": "hi"}})

    error = raised.value
    assert type(error) is error_class
    assert error.http_status == status
    assert (error.code, error.subcode) == (code, subcode)
    assert error.message == envelope["message"]
    assert error.type == "OAuthException"
    assert error.fbtrace_id == envelope["fbtrace_id"]
    assert error.is_transient is envelope.get("is_transient", False)


def test_errors_carry_the_usage_headers_of_their_reply(mocked, client):
    add_payload(mocked, "POST", f"{BASE}/me/messages", "error_613.json")

    with pytest.raises(RateLimited) as raised:
        client.post("me/messages")

    usage = raised.value.usage
    assert usage.app == {"call_count": 31, "total_cputime": 12, "total_time": 18}
    assert usage.business["104857600123456"][0]["type"] == "messenger"
    assert usage.max_percent == 100.0
    assert raised.value.retry_after == 300.0


def test_user_facing_texts_are_kept(mocked, client):
    add_payload(mocked, "POST", f"{BASE}/me/feed", "error_368_abusive.json")

    with pytest.raises(GraphError) as raised:
        client.post("me/feed", {"message": "hi"})

    assert raised.value.user_title == "You're Temporarily Blocked"
    assert (
        raised.value.user_msg == "It looks like you were misusing this feature by going too fast."
    )


@pytest.mark.parametrize(
    ("subcode", "reason"),
    [
        (458, "app_not_installed"),
        (459, "checkpointed"),
        (460, "password_changed"),
        (463, "expired"),
        (464, "unconfirmed_user"),
        (467, "logged_out"),
        (492, "invalid_session"),
        (493, "inactive_90_days"),
        (None, "invalid"),
        (999, "invalid"),
    ],
)
def test_token_invalid_names_its_reason(subcode, reason):
    envelope = {"error": {"message": "Error validating access token", "code": 190}}
    if subcode is not None:
        envelope["error"]["error_subcode"] = subcode

    error = classify(envelope, 400, Usage())

    assert isinstance(error, TokenInvalid)
    assert error.subcode == subcode
    assert error.reason == reason


@pytest.mark.parametrize("code", [4, 17, 32, 341, 613, *range(80001, 80010)])
def test_every_rate_limit_code_is_rate_limited(code):
    assert type(classify({"error": {"code": code}}, 400, Usage())) is RateLimited


def test_phone_number_send_limit_is_rate_limited():
    error = classify({"error": {"code": 4, "error_subcode": 2018022}}, 400, Usage())

    assert type(error) is RateLimited


@pytest.mark.parametrize(
    ("code", "subcode", "error_class"),
    [
        (10, 2018065, OutsideWindow),
        (10, 2018278, OutsideWindow),
        (10, 1893063, PermissionDenied),
        (201, None, PermissionDenied),
        (230, None, RecipientUnavailable),
        (299, None, PermissionDenied),
        (300, None, GraphError),
        (100, 33, InvalidParameter),
        (100, 2018001, RecipientUnavailable),
        (2018001, None, GraphError),
        (10904, None, GraphError),
    ],
)
def test_classification_by_code_and_subcode(code, subcode, error_class):
    envelope = {"error": {"code": code, "error_subcode": subcode}}

    assert type(classify(envelope, 400, Usage())) is error_class


def test_classification_never_reads_the_message():
    envelope = {"error": {"message": "(#551) rate limit reached, token expired", "code": 100}}

    assert type(classify(envelope, 400, Usage())) is InvalidParameter


def test_is_transient_makes_an_otherwise_permanent_error_transient():
    error = classify({"error": {"code": 100, "is_transient": True}}, 400, Usage())

    assert type(error) is TransientError
    assert error.is_transient is True


@pytest.mark.parametrize(
    ("code", "subcode", "error_class"),
    [
        (190, 460, TokenInvalid),
        (551, None, RecipientUnavailable),
        (10, 2018278, OutsideWindow),
        (10900, None, PrivateReplyNotAllowed),
    ],
)
def test_is_transient_does_not_hide_an_error_that_calls_for_action(code, subcode, error_class):
    envelope = {"error": {"code": code, "error_subcode": subcode, "is_transient": True}}
    error = classify(envelope, 400, Usage())
    assert type(error) is error_class


def test_is_transient_does_not_hide_a_rate_limit():
    error = classify({"error": {"code": 4, "is_transient": True}}, 403, Usage())

    assert type(error) is RateLimited


@pytest.mark.parametrize(
    ("envelope", "status", "error_class"),
    [
        ({"error": {"code": 99999, "message": "odd"}}, 500, TransientError),
        ({"error": {"code": 99999, "message": "odd"}}, 400, GraphError),
        ({"error": {"code": 190}}, 500, TokenInvalid),
        ({}, 502, TransientError),
        ({}, 404, GraphError),
        ({"error": "not an object"}, 503, TransientError),
    ],
)
def test_http_5xx_is_transient_unless_the_envelope_classifies(envelope, status, error_class):
    error = classify(envelope, status, Usage())

    assert type(error) is error_class
    assert error.http_status == status


def test_classify_accepts_the_inner_error_object():
    error = classify({"code": 10, "error_subcode": 2018278, "message": "(#10) outside"}, 400)

    assert type(error) is OutsideWindow
    assert error.message == "(#10) outside"


def test_classify_redacts_secrets_from_graph_texts():
    envelope = {"error": {"code": 190, "message": "Malformed access token EAAGsecret"}}

    error = classify(envelope, 400, Usage(), secrets=["EAAGsecret", ""])

    assert error.message == "Malformed access token [redacted]"


@pytest.mark.parametrize(("status", "error_class"), [(400, GraphError), (502, TransientError)])
def test_a_non_json_error_body_keeps_its_status(mocked, client, status, error_class):
    mocked.post(f"{BASE}/me/messages", status=status, body="<html>Bad Gateway</html>")

    with pytest.raises(GraphError) as raised:
        client.post("me/messages")

    assert type(raised.value) is error_class
    assert raised.value.http_status == status
    assert raised.value.code is None


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({}, 10.0),
        ({"X-App-Usage": '{"call_count":50}'}, 35.0),
        ({"X-App-Usage": '{"call_count":100}'}, 60.0),
        ({"X-Page-Usage": '{"call_count":140}'}, 60.0),
        (
            {
                "X-App-Usage": '{"call_count":100}',
                "X-Business-Use-Case-Usage": (
                    '{"1":[{"call_count":100,"estimated_time_to_regain_access":2}],'
                    '"2":[{"call_count":9,"estimated_time_to_regain_access":15}]}'
                ),
            },
            900.0,
        ),
    ],
)
def test_retry_after_prefers_buc_estimate_then_grows_with_usage(headers, retry_after):
    error = classify({"error": {"code": 613}}, 400, parse_usage(headers))

    assert isinstance(error, RateLimited)
    assert error.retry_after == retry_after


def test_stored_buc_limit_estimates_its_wait_in_seconds():
    payload = load_payload("error_80006_messenger_buc.json")

    error = classify(payload["body"], 400, parse_usage(payload["headers"]))

    assert isinstance(error, RateLimited)
    assert error.retry_after == 12 * 60.0


def test_str_names_code_subcode_and_status():
    error = classify({"error": {"code": 10, "error_subcode": 2018278, "message": "outside"}}, 400)

    assert str(error) == "outside (HTTP 400, code 10/2018278)"


def test_errors_survive_pickling_with_type_and_fields():
    usage = parse_usage({"X-App-Usage": '{"call_count":100}'})
    error = classify(
        {"error": {"code": 190, "error_subcode": 463, "message": "expired"}}, 400, usage
    )

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - round-tripping our own object

    assert type(copy) is TokenInvalid
    assert (copy.code, copy.subcode, copy.reason, copy.http_status) == (190, 463, "expired", 400)
    assert copy.usage == usage
    assert str(copy) == str(error)


@pytest.mark.parametrize(
    ("code", "subcode"), [(230, None), (200, 1545041), (100, 2018001), (10, 2018108)]
)
def test_people_who_cannot_get_messages_are_recipient_unavailable(code, subcode):
    envelope = {"error": {"message": "unavailable", "code": code, "error_subcode": subcode}}
    assert type(classify(envelope, 400, Usage())) is RecipientUnavailable


def test_other_permission_errors_stay_permission_errors():
    envelope = {"error": {"message": "(#200) Requires pages_messaging", "code": 200}}
    assert type(classify(envelope, 403, Usage())) is PermissionDenied
