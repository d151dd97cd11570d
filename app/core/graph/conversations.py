"""The Conversations API: a Page's existing Messenger threads, read when a Page is connected."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from app.core.graph.coerce import optional_str
from app.core.graph.transport import GraphTransport

GRAPH_TIME = "%Y-%m-%dT%H:%M:%S%z"  # e.g. 2026-11-21T12:00:00+0000


def parse_graph_time(value: str) -> datetime:
    """A Graph timestamp string as an aware datetime."""
    return datetime.strptime(value, GRAPH_TIME)


@dataclass(frozen=True)
class Participant:
    """A person or the Page in a conversation."""

    id: str
    name: str | None


@dataclass(frozen=True)
class Conversation:
    """One Messenger thread of a Page."""

    id: str
    updated_time: datetime | None
    participants: tuple[Participant, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Conversation:
        """Read one item of /{page-id}/conversations."""
        people = (data.get("participants") or {}).get("data") or ()
        updated = data.get("updated_time")
        return cls(
            id=str(data["id"]),
            updated_time=parse_graph_time(updated) if isinstance(updated, str) else None,
            participants=tuple(
                Participant(str(p["id"]), optional_str(p.get("name")))
                for p in people
                if isinstance(p, Mapping) and "id" in p
            ),
        )

    def person(self, page_id: str) -> Participant | None:
        """The participant who is not the Page."""
        return next((p for p in self.participants if p.id != page_id), None)


@dataclass(frozen=True)
class ConversationMessage:
    """One message of a conversation, as the Conversations API shows it."""

    id: str
    text: str | None
    from_id: str | None
    created_time: datetime

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ConversationMessage:
        """Read one item of /{conversation-id}/messages."""
        sender = data.get("from") or {}
        return cls(
            id=str(data["id"]),
            text=optional_str(data.get("message")),
            from_id=optional_str(sender.get("id")),
            created_time=parse_graph_time(str(data["created_time"])),
        )


class ConversationsApi(GraphTransport):
    """Reading a Page's conversations (Page token with pages_messaging)."""

    def conversations(
        self, page_id: str, *, limit: int = 1000, user_id: str | None = None
    ) -> Iterator[Conversation]:
        """The Page's Messenger conversations, most recently updated first (at most `limit`).

        With `user_id` (a PSID), only the conversation with that person.
        """
        params = {"platform": "messenger", "fields": "participants,updated_time", "limit": 25}
        if user_id is not None:
            params["user_id"] = user_id
        items = self.paginate(f"{page_id}/conversations", params)
        return (Conversation.from_data(item) for item in islice(items, limit))

    def conversation_messages(
        self, conversation_id: str, *, limit: int = 25
    ) -> list[ConversationMessage]:
        """The newest messages of a conversation (newest first), one page of `limit`."""
        params = {"fields": "id,message,from,to,created_time", "limit": limit}
        data = self.get(f"{conversation_id}/messages", params).data
        return [ConversationMessage.from_data(item) for item in data.get("data") or ()]
