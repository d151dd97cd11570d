"""Meta's error envelope: one exception type and the factories for every error the sandbox returns.

The envelope is ``{"error":{"message","type","code","error_subcode"?,"error_user_title"?,
"error_user_msg"?,"is_transient"?,"fbtrace_id"}}``. HTTP statuses follow the reference: 400 by
default, 403 for code 4 and permission errors (200-299), 500 for codes 1 and 2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sandbox.ids import new_trace_id


class GraphError(Exception):
    """A Graph API error; ``rule`` names the messaging rule when the error is a policy refusal."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        prefixed: bool = True,
        user_title: str | None = None,
        user_msg: str | None = None,
        is_transient: bool | None = None,
        http_status: int | None = None,
        error_type: str = "OAuthException",
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = f"(#{code}) {message}" if prefixed else message
        self.subcode = subcode
        self.user_title = user_title
        self.user_msg = user_msg
        self.is_transient = is_transient
        self.error_type = error_type
        self.rule = rule
        self.headers = dict(headers or {})
        self.http_status = http_status or _status_for(code)
        if code == 190:
            # Graph adds an OAuth challenge header to token errors.
            self.headers["WWW-Authenticate"] = (
                f'OAuth "Facebook Platform" "invalid_token" "{self.message}"'
            )

    def envelope(self) -> dict[str, Any]:
        """Return the JSON-ready ``{"error": {...}}`` object."""
        body: dict[str, Any] = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            body["error_subcode"] = self.subcode
        if self.is_transient is not None:
            body["is_transient"] = self.is_transient
        if self.user_title is not None:
            body["error_user_title"] = self.user_title
        if self.user_msg is not None:
            body["error_user_msg"] = self.user_msg
        body["fbtrace_id"] = new_trace_id()
        return {"error": body}

    def body(self) -> str:
        """Return the serialized envelope."""
        return json.dumps(self.envelope(), separators=(",", ":"))


def _status_for(code: int) -> int:
    if code in (1, 2):
        return 500
    if code == 4 or 200 <= code <= 299:
        return 403
    return 400


# --- tokens -------------------------------------------------------------------------------------

_SUBCODE_MESSAGES = {
    458: "Error validating access token: The user has not authorized application {app}.",
    460: (
        "Error validating access token: The session has been invalidated because the user "
        "changed their password or Facebook has changed the session for security reasons."
    ),
    467: (
        "Error validating access token: The user is enrolled in a blocking, logged-out checkpoint."
    ),
    492: "Error validating access token: The user's role on the Page has changed.",
}


def invalid_token() -> GraphError:
    """Unknown or malformed token: 190 without subcode."""
    return GraphError(190, "Invalid OAuth access token - Cannot parse access token", prefixed=False)


def invalidated_token(subcode: int, app_id: str = "") -> GraphError:
    """A token killed by an event (de-authorization 458, password change 460, role change 492)."""
    message = _SUBCODE_MESSAGES.get(subcode, _SUBCODE_MESSAGES[460]).format(app=app_id)
    return GraphError(190, message, subcode=subcode, prefixed=False)


def expired_token(expired_at_ms: int, now_ms: int) -> GraphError:
    """190/463 with Meta's wording, which spells out both times."""
    fmt = "%A, %d-%b-%y %H:%M:%S PDT"
    expired = datetime.fromtimestamp(expired_at_ms / 1000, UTC).strftime(fmt)
    current = datetime.fromtimestamp(now_ms / 1000, UTC).strftime(fmt)
    message = (
        f"Error validating access token: Session has expired on {expired}. "
        f"The current time is {current}."
    )
    return GraphError(190, message, subcode=463, prefixed=False)


def token_required(for_me: bool) -> GraphError:
    """No token at all: 2500 for ``/me`` (Meta's wording), 104 elsewhere."""
    if for_me:
        return GraphError(
            2500,
            "An active access token must be used to query information about the current user.",
            prefixed=False,
        )
    return GraphError(104, "An access token is required to request this resource.", prefixed=False)


def bad_appsecret_proof() -> GraphError:
    """The ``appsecret_proof`` did not match HMAC-SHA256(app_secret, token)."""
    return GraphError(100, "Invalid appsecret_proof provided in the API argument", prefixed=False)


# --- requests -----------------------------------------------------------------------------------


def unsupported_request(method: str, object_id: str) -> GraphError:
    """100/33: the object does not exist, is not visible to this token, or lacks the operation."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        prefixed=False,
    )


def nonexisting_field(field: str, node_type: str) -> GraphError:
    """100: a requested field or edge that the node type does not have."""
    return GraphError(
        100, f"Tried accessing nonexisting field ({field}) on node type ({node_type})"
    )


def unknown_path(components: str) -> GraphError:
    """2500: a path deeper than any known edge."""
    return GraphError(2500, f"Unknown path components: /{components}", prefixed=False)


def invalid_param(message: str, subcode: int | None = None, rule: str | None = None) -> GraphError:
    """100: an invalid or missing parameter."""
    return GraphError(100, message, subcode=subcode, rule=rule)


def missing_permission(permission: str) -> GraphError:
    """200: the token lacks a permission the endpoint needs."""
    return GraphError(200, f"Requires {permission} permission to manage the object")


def missing_messaging_permission(permission: str) -> GraphError:
    """10: messaging endpoints report a missing permission with code 10."""
    return GraphError(10, f"Requires {permission} permission to manage the object")


def insufficient_task(task: str) -> GraphError:
    """200: the token's user lacks the Page task the action needs."""
    return GraphError(
        200,
        "The user does not have sufficient administrative permission for this action on this "
        f"page. The {task} task is required.",
    )


def page_token_required() -> GraphError:
    """210: a Page access token is needed."""
    return GraphError(210, "A page access token is required to request this resource.")


def app_token_required() -> GraphError:
    """15: the method needs an app access token."""
    return GraphError(15, "This method must be called with an app access_token.")


def rate_limited(headers: dict[str, str] | None = None, rule: str | None = None) -> GraphError:
    """613: the Send API's per-Page limit (``rule`` set when it is a real limit, not a fault)."""
    return GraphError(
        613, "Calls to this api have exceeded the rate limit.", headers=headers, rule=rule
    )


def service_unavailable() -> GraphError:
    """2: a transient server-side failure (HTTP 500)."""
    return GraphError(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        prefixed=False,
        is_transient=True,
    )
