"""Messenger Platform calls: Send API, sender actions, user profiles, attachment upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.core.graph.batch import BatchOperation, BatchResult
from app.core.graph.errors import GraphError
from app.core.graph.transport import GraphTransport
from app.core.graph.types import Recipient, SendResult, UserProfile

SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen"})
DEFAULT_PROFILE_FIELDS = ("name", "first_name", "last_name", "profile_pic")


def send_message_fields(
    recipient: Recipient,
    message: Mapping[str, Any],
    *,
    messaging_type: str,
    tag: str | None = None,
    notification_type: str | None = None,
) -> dict[str, Any]:
    """Return the Send API parameters; tag and notification_type only when given."""
    fields: dict[str, Any] = {
        "recipient": recipient.to_dict(),
        "message": dict(message),
        "messaging_type": messaging_type,
    }
    if tag is not None:
        fields["tag"] = tag
    if notification_type is not None:
        fields["notification_type"] = notification_type
    return fields


def send_message_operation(
    page_id: str,
    recipient: Recipient,
    message: Mapping[str, Any],
    *,
    messaging_type: str,
    tag: str | None = None,
    notification_type: str | None = None,
) -> BatchOperation:
    """Build the batch operation that sends the same request as GraphClient.send_message."""
    fields = send_message_fields(
        recipient,
        message,
        messaging_type=messaging_type,
        tag=tag,
        notification_type=notification_type,
    )
    return BatchOperation("POST", f"{page_id}/messages", body=fields)


def send_result_from_batch(result: BatchResult) -> SendResult:
    """Turn the result of a send operation into a SendResult, raising its error if it failed."""
    if result.error is not None:
        raise result.error
    if not result.ok:
        raise GraphError("batch send did not succeed", http_status=result.status)
    # With omit_response_on_success Graph sends no body: the send still succeeded.
    return SendResult.from_data(result.data if isinstance(result.data, Mapping) else {})


class MessengerApi(GraphTransport):
    """Messenger Platform calls made with a Page access token."""

    send_message_operation = staticmethod(send_message_operation)

    def send_message(
        self,
        page_id: str,
        recipient: Recipient,
        message: Mapping[str, Any],
        *,
        messaging_type: str,
        tag: str | None = None,
        notification_type: str | None = None,
    ) -> SendResult:
        """Send one message through the Send API (never retried: a retry could send twice)."""
        fields = send_message_fields(
            recipient,
            message,
            messaging_type=messaging_type,
            tag=tag,
            notification_type=notification_type,
        )
        return SendResult.from_data(self.post(f"{page_id}/messages", fields).data)

    def sender_action(self, page_id: str, psid: str, action: str) -> SendResult:
        """Show typing_on / typing_off or mark_seen to a person."""
        if action not in SENDER_ACTIONS:
            raise ValueError(f"sender action must be one of {sorted(SENDER_ACTIONS)}")
        fields = {"recipient": Recipient.psid(psid).to_dict(), "sender_action": action}
        return SendResult.from_data(self.post(f"{page_id}/messages", fields).data)

    def user_profile(
        self, psid: str, fields: Sequence[str] = DEFAULT_PROFILE_FIELDS
    ) -> UserProfile:
        """Fetch a person's profile; fields Graph leaves out come back as None."""
        response = self.get(psid, {"fields": ",".join(fields)})
        return UserProfile.from_data(response.data, psid)

    def upload_attachment(
        self, page_id: str, attachment_type: str, url: str, is_reusable: bool = True
    ) -> str:
        """Upload media from a URL once, returning the attachment_id to reuse in messages."""
        payload = {"url": url, "is_reusable": is_reusable}
        message = {"attachment": {"type": attachment_type, "payload": payload}}
        response = self.post(f"{page_id}/message_attachments", {"message": message})
        return str(response.data["attachment_id"])

    def messenger_profile(self, page_id: str, fields: Sequence[str]) -> dict[str, Any]:
        """The Page's Messenger profile (get_started, greeting, ...): only the fields it has."""
        response = self.get(f"{page_id}/messenger_profile", {"fields": ",".join(fields)})
        data = response.data.get("data") or [{}]
        return dict(data[0]) if data else {}

    def set_messenger_profile(self, page_id: str, profile: Mapping[str, Any]) -> None:
        """Set Messenger profile fields, e.g. {"get_started": {"payload": "GET_STARTED"}}."""
        response = self.post(f"{page_id}/messenger_profile", dict(profile))
        if not isinstance(response.data, dict) or response.data.get("result") != "success":
            raise GraphError("Graph did not confirm the Messenger profile", usage=response.usage)
