"""Page calls: publishing posts, moderating comments, webhook subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from app.core.graph.transport import GraphTransport, require_success
from app.core.graph.types import AppSubscription, SubscribedApp

MIN_SCHEDULE_AHEAD = timedelta(minutes=10)
MAX_SCHEDULE_AHEAD = timedelta(days=30)


class PagesApi(GraphTransport):
    """Calls on Pages, posts and comments, and the webhook subscriptions of Pages and apps."""

    def publish_post(
        self,
        page_id: str,
        message: str,
        link: str | None = None,
        scheduled_at: datetime | None = None,
    ) -> str:
        """Publish (or schedule, when `scheduled_at` is given) a Page post; return its id.

        Graph accepts a schedule only 10 minutes to 30 days ahead; anything else is refused
        here with ValueError rather than spending a call on a certain error.
        """
        fields: dict[str, Any] = {"message": message}
        if link is not None:
            fields["link"] = link
        if scheduled_at is not None:
            fields["published"] = False
            fields["scheduled_publish_time"] = self._schedule_timestamp(scheduled_at)
        return str(self.post(f"{page_id}/feed", fields).data["id"])

    def reply_to_comment(self, comment_id: str, message: str) -> str:
        """Reply publicly to a comment as the Page; return the new comment's id."""
        return str(self.post(f"{comment_id}/comments", {"message": message}).data["id"])

    def set_comment_hidden(self, comment_id: str, hidden: bool) -> None:
        """Hide or unhide a comment (its author and their friends still see it)."""
        require_success(self.post(comment_id, {"is_hidden": hidden}))

    def delete_object(self, object_id: str) -> None:
        """Delete a post or comment."""
        require_success(self.delete(object_id))

    def subscribe_page(self, page_id: str, fields: Sequence[str]) -> None:
        """Subscribe the app to a Page's webhook `fields` (needs the Page token)."""
        if not fields:
            raise ValueError("subscribe_page needs at least one field")
        subscribed_fields = ",".join(fields)
        require_success(
            self.post(f"{page_id}/subscribed_apps", {"subscribed_fields": subscribed_fields})
        )

    def unsubscribe_page(self, page_id: str) -> None:
        """Stop the app receiving the Page's webhooks."""
        require_success(self.delete(f"{page_id}/subscribed_apps"))

    def page_subscriptions(self, page_id: str) -> list[SubscribedApp]:
        """List the apps subscribed to a Page and the fields each receives."""
        response = self.get(f"{page_id}/subscribed_apps")
        return [SubscribedApp.from_data(item) for item in response.data.get("data", [])]

    def subscribe_app(
        self,
        app_id: str,
        callback_url: str,
        verify_token: str,
        fields: Sequence[str],
        object: str = "page",
    ) -> None:
        """Set the app-level webhook subscription (call with the app access token)."""
        params = {
            "object": object,
            "callback_url": callback_url,
            "verify_token": verify_token,
            "fields": ",".join(fields),
        }
        require_success(self.post(f"{app_id}/subscriptions", params))

    def app_subscriptions(self, app_id: str) -> list[AppSubscription]:
        """List the app-level webhook subscriptions (call with the app access token)."""
        response = self.get(f"{app_id}/subscriptions")
        return [AppSubscription.from_data(item) for item in response.data.get("data", [])]

    def _schedule_timestamp(self, scheduled_at: datetime) -> int:
        if scheduled_at.tzinfo is None:
            raise ValueError("scheduled_at must be timezone-aware")
        ahead = timedelta(seconds=scheduled_at.timestamp() - self._clock())
        if not MIN_SCHEDULE_AHEAD <= ahead <= MAX_SCHEDULE_AHEAD:
            raise ValueError("a post can be scheduled only 10 minutes to 30 days ahead")
        return int(scheduled_at.timestamp())
