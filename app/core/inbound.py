"""Inbound webhook events: typed, parsed from every shape Facebook sends, and a handler registry.

The webhook worker parses each stored delivery into `MessagingEvent`s and `FeedChange`s and hands
each to the handlers registered for its kind (a plain dict registry, like CTFd's). Core registers
the subscriber store's handlers; features register theirs in `init_app`. Every handler must be
idempotent on Facebook's keys: the same delivery may arrive twice, or out of order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.models import Page


class Kind(enum.StrEnum):
    """What a messaging event is."""

    MESSAGE = "message"
    ECHO = "echo"
    POSTBACK = "postback"
    REFERRAL = "referral"
    OPTIN = "optin"
    DELIVERY = "delivery"
    READ = "read"
    REACTION = "reaction"


@dataclass(frozen=True)
class Referral:
    """Where a person came from: an m.me ref, an ad, a chat plugin."""

    ref: str | None
    source: str | None
    type: str | None
    ad_id: str | None = None


@dataclass(frozen=True)
class MessagingEvent:
    """One item of `entry[].messaging[]`, seen from the Page: `psid` is always the person."""

    kind: Kind
    page_id: str  # Facebook's Page id
    psid: str | None  # None for chat-plugin guests known only by user_ref
    timestamp_ms: int
    mid: str | None = None
    text: str | None = None
    quick_reply_payload: str | None = None
    postback_payload: str | None = None
    postback_title: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    reply_to_mid: str | None = None
    referral: Referral | None = None
    app_id: str | None = None  # echoes: the app that sent the message
    metadata: str | None = None  # echoes: what the sender attached
    watermark_ms: int | None = None  # deliveries and reads
    mids: tuple[str, ...] = ()  # deliveries
    prior_message: Mapping[str, str] | None = None  # customer matching
    is_deleted: bool = False
    user_ref: str | None = None
    optin_ref: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def opens_window(self) -> bool:
        """Whether this event (re)opens the 24-hour window (echoes, reads, deliveries don't)."""
        return self.kind in {Kind.MESSAGE, Kind.POSTBACK, Kind.REFERRAL, Kind.OPTIN}


@dataclass(frozen=True)
class FeedChange:
    """One item of `entry[].changes[]` for the Page feed (comments, posts, reactions)."""

    page_id: str
    time_s: int
    item: str | None
    verb: str | None
    value: Mapping[str, Any]

    @property
    def from_id(self) -> str | None:
        """Who acted (a person or the Page itself)."""
        sender = self.value.get("from") or {}
        return str(sender.get("id") or self.value.get("sender_id") or "") or None

    @property
    def by_page(self) -> bool:
        """The Page's own action: never a reason for automation (reply loops)."""
        return self.from_id == self.page_id


class MalformedEvent(ValueError):
    """A delivery that is not a Page webhook Herald understands."""


MessagingHandler = Callable[[Page, MessagingEvent], None]
FeedHandler = Callable[[Page, FeedChange], None]

# kind -> handler name -> (order, handler). Lower orders run first: the subscriber store (0)
# writes the subscriber every other handler reads.
MESSAGING_HANDLERS: dict[Kind, dict[str, tuple[int, MessagingHandler]]] = {
    kind: {} for kind in Kind
}
FEED_HANDLERS: dict[str, FeedHandler] = {}
STORE_ORDER = 0
FEATURE_ORDER = 100


def on_messaging(
    *kinds: Kind, name: str, order: int = FEATURE_ORDER
) -> Callable[[MessagingHandler], MessagingHandler]:
    """Decorator: call the function for messaging events of `kinds` (registered once by name)."""

    def decorator(func: MessagingHandler) -> MessagingHandler:
        for kind in kinds:
            MESSAGING_HANDLERS[kind][name] = (order, func)
        return func

    return decorator


def handlers_for(kind: Kind) -> list[MessagingHandler]:
    """The handlers of a kind of event, in the order they must run."""
    return [func for _order, func in sorted(MESSAGING_HANDLERS[kind].values(), key=lambda h: h[0])]


def on_feed(name: str) -> Callable[[FeedHandler], FeedHandler]:
    """Decorator: call the function for every feed change not made by the Page itself."""

    def decorator(func: FeedHandler) -> FeedHandler:
        FEED_HANDLERS[name] = func
        return func

    return decorator


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"expected a number, got {value!r}") from exc


def _referral(data: Any) -> Referral | None:
    if not isinstance(data, Mapping):
        return None
    return Referral(
        ref=_text(data.get("ref")),
        source=_text(data.get("source")),
        type=_text(data.get("type")),
        ad_id=_text(data.get("ad_id")),
    )


def _message_fields(message: Mapping[str, Any]) -> dict[str, Any]:
    quick_reply = message.get("quick_reply") or {}
    reply_to = message.get("reply_to") or {}
    attachments = message.get("attachments") or ()
    return {
        "mid": _text(message.get("mid")),
        "text": _text(message.get("text")),
        "quick_reply_payload": _text(quick_reply.get("payload")),
        "attachments": tuple(a for a in attachments if isinstance(a, Mapping)),
        "reply_to_mid": _text(reply_to.get("mid")),
        "is_deleted": bool(message.get("is_deleted")),
        "app_id": _text(message.get("app_id")),
        "metadata": _text(message.get("metadata")),
        "referral": _referral(message.get("referral")),
    }


def parse_messaging(page_id: str, item: Mapping[str, Any]) -> MessagingEvent:
    """Parse one messaging item; raises MalformedEvent for shapes Herald does not know."""
    sender = item.get("sender") or {}
    recipient = item.get("recipient") or {}
    timestamp = _int(item.get("timestamp") or 0)
    common: dict[str, Any] = {"page_id": page_id, "timestamp_ms": timestamp, "raw": item}
    psid, user_ref = _text(sender.get("id")), _text(sender.get("user_ref"))
    if isinstance(item.get("message"), Mapping):
        message = item["message"]
        fields = _message_fields(message)
        if message.get("is_echo"):
            return MessagingEvent(Kind.ECHO, psid=_text(recipient.get("id")), **common, **fields)
        prior = item.get("prior_message")
        return MessagingEvent(
            Kind.MESSAGE,
            psid=psid,
            user_ref=user_ref,
            prior_message=prior if isinstance(prior, Mapping) else None,
            **common,
            **fields,
        )
    return _parse_other(item, common, psid, user_ref)


def _parse_other(
    item: Mapping[str, Any], common: dict[str, Any], psid: str | None, user_ref: str | None
) -> MessagingEvent:
    if isinstance(item.get("postback"), Mapping):
        postback = item["postback"]
        return MessagingEvent(
            Kind.POSTBACK,
            psid=psid,
            user_ref=user_ref,
            mid=_text(postback.get("mid")),
            postback_payload=_text(postback.get("payload")),
            postback_title=_text(postback.get("title")),
            referral=_referral(postback.get("referral")),
            **common,
        )
    if isinstance(item.get("referral"), Mapping):
        return MessagingEvent(
            Kind.REFERRAL,
            psid=psid,
            user_ref=user_ref,
            referral=_referral(item["referral"]),
            **common,
        )
    if isinstance(item.get("optin"), Mapping):
        optin = item["optin"]
        return MessagingEvent(
            Kind.OPTIN,
            psid=psid,
            user_ref=_text(optin.get("user_ref")) or user_ref,
            optin_ref=_text(optin.get("ref")),
            **common,
        )
    for kind, key in ((Kind.DELIVERY, "delivery"), (Kind.READ, "read")):
        if isinstance(item.get(key), Mapping):
            data = item[key]
            return MessagingEvent(
                kind,
                psid=psid,
                watermark_ms=_int(data.get("watermark")),
                mids=tuple(str(mid) for mid in data.get("mids") or ()),
                **common,
            )
    if isinstance(item.get("reaction"), Mapping):
        return MessagingEvent(
            Kind.REACTION, psid=psid, mid=_text(item["reaction"].get("mid")), **common
        )
    raise MalformedEvent(f"unknown messaging event with keys {sorted(item)}")


@dataclass(frozen=True)
class Delivery:
    """What a webhook body held: the events Herald understands, and what it had to skip."""

    events: list[tuple[str, MessagingEvent | FeedChange]]
    skipped: list[str]


_ITEM_ERRORS = (MalformedEvent, TypeError, AttributeError, ValueError, KeyError)


def parse_delivery(body: Any) -> Delivery:
    """Every event of a webhook body with its Page id, in order.

    A body that is not a Page webhook raises MalformedEvent. A single item Herald does not know
    (a new Meta event, a broken field) is skipped and named, never the whole delivery: it may
    batch other Pages' messages.
    """
    if not isinstance(body, Mapping) or body.get("object") != "page":
        raise MalformedEvent("not a Page webhook (object != 'page')")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise MalformedEvent("no entry list")
    events: list[tuple[str, MessagingEvent | FeedChange]] = []
    skipped: list[str] = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not entry.get("id"):
            skipped.append(f"entry {number}: no Page id")
            continue
        page_id = str(entry["id"])
        for item in entry.get("messaging") or ():
            try:
                events.append((page_id, parse_messaging(page_id, item)))
            except _ITEM_ERRORS as exc:
                skipped.append(f"entry {number}: {type(exc).__name__}: {exc}")
        for change in entry.get("changes") or ():
            try:
                feed = _feed_change(page_id, entry, change)
            except _ITEM_ERRORS as exc:
                skipped.append(f"entry {number}: {type(exc).__name__}: {exc}")
                continue
            if feed is not None:
                events.append((page_id, feed))
    return Delivery(events=events, skipped=skipped)


def _feed_change(page_id: str, entry: Mapping[str, Any], change: Any) -> FeedChange | None:
    if not isinstance(change, Mapping) or change.get("field") != "feed":
        return None  # other Page fields are not subscribed to
    value = change.get("value") or {}
    if not isinstance(value, Mapping):
        raise MalformedEvent("a feed change without a value object")
    return FeedChange(
        page_id=page_id,
        time_s=_int(entry.get("time") or 0),
        item=_text(value.get("item")),
        verb=_text(value.get("verb")),
        value=value,
    )
