"""Typed values sent to and read from the Graph API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.graph.coerce import optional_int, optional_str


@dataclass(frozen=True)
class Recipient:
    """Who a Send API message goes to; build it with one of the named constructors."""

    key: str
    value: str
    first_name: str | None = None
    last_name: str | None = None

    @classmethod
    def psid(cls, psid: str) -> Recipient:
        """A person by their page-scoped id."""
        return cls("id", psid)

    @classmethod
    def comment(cls, comment_id: str) -> Recipient:
        """The author of a comment (a private reply)."""
        return cls("comment_id", comment_id)

    @classmethod
    def post(cls, post_id: str) -> Recipient:
        """The author of a visitor post (a private reply)."""
        return cls("post_id", post_id)

    @classmethod
    def user_ref(cls, ref: str) -> Recipient:
        """A person known by the user_ref of a checkbox or chat-plugin opt-in."""
        return cls("user_ref", ref)

    @classmethod
    def phone(
        cls, number: str, first_name: str | None = None, last_name: str | None = None
    ) -> Recipient:
        """A person by phone number in E.164 form (customer matching)."""
        return cls("phone_number", number, first_name, last_name)

    def to_dict(self) -> dict[str, Any]:
        """Return the `recipient` object of the Send API."""
        recipient: dict[str, Any] = {self.key: self.value}
        name = {"first_name": self.first_name, "last_name": self.last_name}
        if any(name.values()):
            recipient["name"] = {part: text for part, text in name.items() if text}
        return recipient


@dataclass(frozen=True)
class SendResult:
    """The Send API's answer; `recipient_id` is absent for user_ref and phone_number sends."""

    recipient_id: str | None
    message_id: str | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SendResult:
        """Read a Send API reply body."""
        return cls(optional_str(data.get("recipient_id")), optional_str(data.get("message_id")))


@dataclass(frozen=True)
class UserProfile:
    """A Messenger user's profile; any field but `id` may be missing from the reply."""

    id: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    profile_pic: str | None = None
    locale: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any], psid: str) -> UserProfile:
        """Read a User Profile API reply; `psid` stands in when the reply omits `id`."""
        return cls(
            id=optional_str(data.get("id")) or psid,
            name=optional_str(data.get("name")),
            first_name=optional_str(data.get("first_name")),
            last_name=optional_str(data.get("last_name")),
            profile_pic=optional_str(data.get("profile_pic")),
            locale=optional_str(data.get("locale")),
        )

    @property
    def display_name(self) -> str | None:
        """The best name to show: `name` first, else first and last name joined."""
        if self.name:
            return self.name
        joined = " ".join(part for part in (self.first_name, self.last_name) if part)
        return joined or None


@dataclass(frozen=True)
class AccessToken:
    """A token from /oauth/access_token; `expires_in` is in seconds (None when not given)."""

    access_token: str = field(repr=False)
    token_type: str | None
    expires_in: int | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AccessToken:
        """Read an /oauth/access_token reply."""
        return cls(
            str(data["access_token"]),
            optional_str(data.get("token_type")),
            optional_int(data.get("expires_in")),
        )


@dataclass(frozen=True)
class UserIdentity:
    """The logged-in person from /me: an app-scoped id; `email` absent when not granted."""

    id: str
    name: str | None
    email: str | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> UserIdentity:
        """Read a /me reply."""
        return cls(str(data["id"]), optional_str(data.get("name")), optional_str(data.get("email")))


@dataclass(frozen=True)
class Permission:
    """One permission of /me/permissions and its status (granted, declined or expired)."""

    name: str
    status: str

    @property
    def granted(self) -> bool:
        """True when the person has granted this permission."""
        return self.status == "granted"


@dataclass(frozen=True)
class PageAccount:
    """A Page the person manages (from /me/accounts), with its Page access token."""

    id: str
    name: str
    access_token: str | None = field(repr=False)
    tasks: tuple[str, ...] = ()
    category: str | None = None
    username: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PageAccount:
        """Read one item of /me/accounts."""
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            access_token=optional_str(data.get("access_token")),
            tasks=tuple(str(task) for task in data.get("tasks") or ()),
            category=optional_str(data.get("category")),
            username=optional_str(data.get("username")),
        )


@dataclass(frozen=True)
class GranularScope:
    """A permission limited to some objects (e.g. pages_messaging on two Page ids)."""

    scope: str
    target_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    """What /debug_token says about a token; `expires_at` 0 means it never expires."""

    app_id: str | None
    type: str | None
    is_valid: bool
    expires_at: int | None
    data_access_expires_at: int | None
    scopes: tuple[str, ...]
    granular_scopes: tuple[GranularScope, ...]
    user_id: str | None
    profile_id: str | None
    error_code: int | None
    error_subcode: int | None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TokenInfo:
        """Read the `data` object of a /debug_token reply."""
        error = data.get("error") if isinstance(data.get("error"), Mapping) else {}
        return cls(
            app_id=optional_str(data.get("app_id")),
            type=optional_str(data.get("type")),
            is_valid=data.get("is_valid") is True,
            expires_at=optional_int(data.get("expires_at")),
            data_access_expires_at=optional_int(data.get("data_access_expires_at")),
            scopes=tuple(str(scope) for scope in data.get("scopes") or ()),
            granular_scopes=tuple(
                GranularScope(str(item["scope"]), tuple(map(str, item.get("target_ids") or ())))
                for item in data.get("granular_scopes") or ()
                if isinstance(item, Mapping) and "scope" in item
            ),
            user_id=optional_str(data.get("user_id")),
            profile_id=optional_str(data.get("profile_id")),
            error_code=optional_int(error.get("code")),
            error_subcode=optional_int(error.get("subcode")),
        )


@dataclass(frozen=True)
class SubscribedApp:
    """An app subscribed to a Page's webhooks, with the fields it receives."""

    id: str
    name: str | None
    subscribed_fields: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SubscribedApp:
        """Read one item of /{page-id}/subscribed_apps."""
        fields = tuple(str(name) for name in data.get("subscribed_fields") or ())
        return cls(str(data["id"]), optional_str(data.get("name")), fields)


@dataclass(frozen=True)
class AppSubscription:
    """An app-level webhook subscription (one per object type, e.g. "page")."""

    object: str
    callback_url: str | None
    active: bool
    fields: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AppSubscription:
        """Read one item of /{app-id}/subscriptions; fields come as {"name", "version"} objects."""
        fields = tuple(
            str(item["name"]) if isinstance(item, Mapping) else str(item)
            for item in data.get("fields") or ()
            if not isinstance(item, Mapping) or "name" in item
        )
        return cls(
            str(data.get("object") or ""),
            optional_str(data.get("callback_url")),
            data.get("active") is True,
            fields,
        )
