"""Messenger's sending rules: messaging types, tags and the windows they open.

* RESPONSE / UPDATE: within 24 hours of the person's last message, postback, quick reply, opt-in
  or referral (the Page's own sends and echoes do not count).
* MESSAGE_TAG with CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE or ACCOUNT_UPDATE: any time.
* MESSAGE_TAG with HUMAN_AGENT: within 7 days, and only for apps with the Human Agent feature.
* MESSAGE_TAG with CUSTOMER_FEEDBACK: within 7 days.
* Tags retired on 4 March 2020 are refused with 100.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.request import GraphRequest

DAY_MS = 24 * 3600 * 1000
STANDARD_WINDOW_MS = DAY_MS
HUMAN_AGENT_WINDOW_MS = 7 * DAY_MS
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG", "UTILITY")
ANYTIME_TAGS = ("CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE")
SEVEN_DAY_TAGS = ("HUMAN_AGENT", "CUSTOMER_FEEDBACK")
CURRENT_TAGS = ANYTIME_TAGS + SEVEN_DAY_TAGS
RETIRED_TAGS = frozenset(
    {
        "APPLICATION_UPDATE",
        "APPOINTMENT_UPDATE",
        "COMMUNITY_ALERT",
        "CONFIRMED_EVENT_REMINDER",
        "GAME_EVENT",
        "ISSUE_RESOLUTION",
        "PAIRING_UPDATE",
        "PAYMENT_UPDATE",
        "PERSONAL_FINANCE_UPDATE",
        "RESERVATION_UPDATE",
        "SHIPPING_UPDATE",
        "TICKET_UPDATE",
        "TRANSPORTATION_UPDATE",
        "FEATURE_FUNCTIONALITY_UPDATE",
        "NON_PROMOTIONAL_SUBSCRIPTION",
        "BUSINESS_PRODUCTIVITY",
    }
)


@dataclass(frozen=True)
class SendType:
    """The validated ``messaging_type`` and ``tag`` of a send."""

    messaging_type: str
    tag: str | None


def parse_send_type(request: GraphRequest) -> SendType:
    """Validate ``messaging_type`` (RESPONSE when absent, as Graph assumes) and ``tag``."""
    messaging_type = (request.text("messaging_type") or "RESPONSE").upper()
    tag = request.text("tag")
    tag = tag.upper() if tag else None
    if messaging_type not in MESSAGING_TYPES:
        raise errors.invalid_param(
            f"param messaging_type must be one of {{{', '.join(MESSAGING_TYPES)}}}",
            rule="invalid_messaging_type",
        )
    if messaging_type != "MESSAGE_TAG":
        if tag is not None:
            raise errors.invalid_param(
                "param tag can only be used with messaging_type MESSAGE_TAG", rule="invalid_tag"
            )
        return SendType(messaging_type, None)
    if tag is None:
        raise errors.invalid_param(
            "param tag is required when messaging_type is MESSAGE_TAG", rule="invalid_tag"
        )
    if tag in RETIRED_TAGS:
        raise errors.invalid_param(
            f"The tag {tag} has been deprecated. Param tag must be one of "
            f"{{{', '.join(CURRENT_TAGS)}}}",
            rule="retired_tag",
        )
    if tag not in CURRENT_TAGS:
        raise errors.invalid_param(
            f"param tag must be one of {{{', '.join(CURRENT_TAGS)}}}", rule="invalid_tag"
        )
    return SendType(messaging_type, tag)


def outside_window(rule: str) -> GraphError:
    """10/2018278: the message falls outside every window its type allows."""
    return GraphError(
        10, "This message is sent outside of allowed window.", subcode=2018278, rule=rule
    )


def human_agent_not_allowed() -> GraphError:
    """200: the app lacks the Human Agent feature."""
    return GraphError(
        200,
        "The HUMAN_AGENT tag requires the Human Agent feature, which this app has not been "
        "granted.",
        rule="human_agent_feature",
    )


def check_window(
    send: SendType, last_inbound_at: int | None, now: int, *, human_agent_allowed: bool
) -> None:
    """Raise unless a message of this type and tag may go out given the person's last contact."""
    age = None if last_inbound_at is None else now - last_inbound_at
    if send.messaging_type in ("RESPONSE", "UPDATE"):
        if age is None or age > STANDARD_WINDOW_MS:
            raise outside_window("outside_window")
        return
    if send.messaging_type == "UTILITY" or send.tag in ANYTIME_TAGS:
        return
    if send.tag == "HUMAN_AGENT" and not human_agent_allowed:
        raise human_agent_not_allowed()
    if age is None or age > HUMAN_AGENT_WINDOW_MS:
        raise outside_window("human_agent_window" if send.tag == "HUMAN_AGENT" else "tag_window")
