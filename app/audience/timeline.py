"""The subscriber page's story: the messaging window in words, and the conversation as bubbles.

Messages are stored as Facebook sent them (webhooks) or as Herald sent them (Send API objects);
this module reads both shapes into one `Entry` the template can show without knowing either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from app.core.display import ago, clock, countdown
from app.core.messages.models import Direction, Message, MessageStatus
from app.core.policy import PolicySettings, Window, window_state
from app.core.subscribers.models import Subscriber

KINDS = {  # kind -> (label, Tabler icon)
    "text": ("Text", "message"),
    "attachment": ("Attachment", "paperclip"),
    "template": ("Card", "layout-cards"),
    "quick_reply": ("Quick reply", "hand-click"),
    "postback": ("Button tap", "pointer"),
    "referral": ("Link opened", "link"),
    "optin": ("Opt-in", "circle-check"),
}
ORIGINS = {
    "broadcast": "Broadcast",
    "livechat": "Live chat",
    "system": "Automatic",
    "page_inbox": "Sent from Facebook's inbox",
    "autopost": "Autopost",
    "comment_capture": "Comment reply",
    "invites": "Phone invite",
}
STATUSES = {  # status -> (label, icon, tone)
    MessageStatus.QUEUED: ("Queued", "clock", "secondary"),
    MessageStatus.HELD: ("Held while an operator talks with them", "player-pause", "yellow"),
    MessageStatus.SENT: ("Sent", "check", "secondary"),
    MessageStatus.DELIVERED: ("Delivered", "checks", "secondary"),
    MessageStatus.READ: ("Read", "checks", "blue"),
    MessageStatus.FAILED: ("Failed", "alert-circle", "red"),
    MessageStatus.REFUSED: ("Not sent", "ban", "orange"),
    MessageStatus.UNCERTAIN: ("Unconfirmed", "help-circle", "yellow"),
}
UNCERTAIN_DETAIL = (
    "The request left but Facebook never answered; Herald does not resend it blindly."
)


def safe_url(value: Any) -> str | None:
    """A web address fit for an href or src; anything else (javascript:, data:) is dropped."""
    if not isinstance(value, str):
        return None
    return value if urlsplit(value).scheme in ("http", "https") else None


@dataclass(frozen=True)
class Attachment:
    """A file, picture, location or card in a message."""

    type: str
    url: str | None
    title: str

    @property
    def is_image(self) -> bool:
        """Whether it can show as a thumbnail."""
        return self.type in ("image", "sticker") and self.url is not None


@dataclass(frozen=True)
class Status:
    """Where an outbound message stands, as a tick with words."""

    key: str
    label: str
    icon: str
    tone: str
    detail: str | None = None


@dataclass(frozen=True)
class Entry:
    """One bubble of the timeline."""

    message: Message
    incoming: bool
    kind: str
    kind_label: str
    kind_icon: str
    text: str | None
    attachments: list[Attachment] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # quick replies or buttons offered
    detail: str | None = None  # payload, ref or source behind a tap, link or opt-in
    origin: str | None = None
    status: Status | None = None
    tag: str | None = None
    deleted: bool = False


def _attachment(raw: Any) -> Attachment | None:
    if not isinstance(raw, dict):
        return None
    kind = str(raw.get("type") or "file")
    payload = raw.get("payload") if isinstance(raw.get("payload"), dict) else {}
    if kind == "location":
        point = payload.get("coordinates") or {}
        lat, long = point.get("lat"), point.get("long")
        url = f"https://maps.google.com/?q={lat},{long}" if lat is not None else None
        return Attachment("location", url, raw.get("title") or "Location")
    if kind == "template":
        title = payload.get("text") or _first_title(payload) or "A card with buttons"
        return Attachment("template", None, str(title))
    kind = "sticker" if payload.get("sticker_id") else kind
    url = safe_url(payload.get("url")) or safe_url(raw.get("url"))
    titles = {"image": "Photo", "video": "Video", "audio": "Voice message", "sticker": "Sticker"}
    return Attachment(kind, url, str(raw.get("title") or titles.get(kind, "File")))


def _first_title(payload: dict[str, Any]) -> str | None:
    elements = payload.get("elements") or []
    return elements[0].get("title") if elements and isinstance(elements[0], dict) else None


def _choices(message: dict[str, Any]) -> list[str]:
    """Quick replies and buttons an outbound message offered."""
    titles = [
        str(q.get("title") or q.get("content_type")) for q in message.get("quick_replies", [])
    ]
    payload = (message.get("attachment") or {}).get("payload") or {}
    buttons = list(payload.get("buttons") or [])
    for element in payload.get("elements") or []:
        buttons += element.get("buttons") or []
    return titles + [str(b.get("title")) for b in buttons if isinstance(b, dict) and b.get("title")]


def _origin(message: Message) -> str | None:
    if message.direction == Direction.IN:
        return None
    label = ORIGINS.get(message.origin, message.origin.replace("_", " ").capitalize())
    author = message.author.name if message.author is not None else None
    return f"{label} · {author}" if author else label


def _status(message: Message) -> Status | None:
    if message.direction == Direction.IN or message.status not in STATUSES:
        return None
    label, icon, tone = STATUSES[message.status]
    detail = None
    if message.status in (MessageStatus.FAILED, MessageStatus.REFUSED):
        detail = message.error or "No reason was recorded."
        if message.status == MessageStatus.FAILED and message.error_code:
            detail = f"{detail} (error {message.error_code})"
    elif message.status == MessageStatus.UNCERTAIN:
        detail = UNCERTAIN_DETAIL
    return Status(message.status.value, label, icon, tone, detail)


def _detail(message: Message, payload: dict[str, Any]) -> str | None:
    if message.kind == "quick_reply":
        return payload.get("quick_reply")
    if message.kind == "postback":
        return payload.get("payload")
    if message.kind in ("referral", "optin"):
        parts = [f"ref {payload['ref']}" if payload.get("ref") else None, payload.get("source")]
        return " · ".join(str(part).lower() for part in parts if part) or None
    return None


def entry(message: Message) -> Entry:
    """A stored message as a timeline bubble."""
    payload = message.payload or {}
    label, icon = KINDS.get(message.kind, (message.kind.replace("_", " ").capitalize(), "message"))
    if message.direction == Direction.IN:
        raw_attachments, choices = payload.get("attachments") or [], []
    else:
        sent = payload.get("message") or {}
        raw_attachments = [sent["attachment"]] if sent.get("attachment") else []
        raw_attachments += sent.get("attachments") or []
        choices = _choices(sent)
    attachments = [a for a in map(_attachment, raw_attachments) if a is not None]
    text = message.text
    if not text and message.kind in ("referral", "optin"):
        text = message.summary
    return Entry(
        message=message,
        incoming=message.direction == Direction.IN,
        kind=message.kind,
        kind_label=label,
        kind_icon=icon,
        text=text,
        attachments=attachments,
        choices=choices,
        detail=_detail(message, payload),
        origin=_origin(message),
        status=_status(message),
        tag=message.tag,
        deleted=bool(payload.get("deleted")),
    )


@dataclass(frozen=True)
class WindowText:
    """The messaging window in words, for the subscriber page."""

    window: Window
    headline: str  # "Open until 14:32"
    rule: str  # "any message allowed"
    explanation: str
    countdown: str
    changes_at: datetime | None
    tone: str


def explain_window(
    subscriber: Subscriber, zone: tzinfo, settings: PolicySettings, now: datetime
) -> WindowText:
    """Which messages may reach the subscriber now, until when, and why."""
    state = window_state(subscriber, now)
    last = subscriber.last_inbound_at
    wrote = f"They last wrote {ago(last, zone, now)} ({clock(last, zone, now)})."
    if state.window == Window.OPEN:
        return WindowText(
            state.window,
            f"Open until {clock(state.changes_at, zone, now)}",
            "any message allowed",
            f"{wrote} For 24 hours after a person's message, replies and updates may be sent "
            "freely.",
            countdown(state.changes_at, now),
            state.changes_at,
            "green",
        )
    if state.window == Window.HUMAN_AGENT:
        used = subscriber.human_agent_replies >= settings.human_agent_replies
        extra = (
            " The Human Agent reply was used: it opens again when they write."
            if used
            else " Automations may only send non-promotional updates with a message tag."
        )
        return WindowText(
            state.window,
            f"Human-agent window until {clock(state.changes_at, zone, now)}",
            "only a person's reply, tagged HUMAN_AGENT",
            f"{wrote}{extra}",
            countdown(state.changes_at, now),
            state.changes_at,
            "yellow",
        )
    never = "They have never written to the Page." if last is None else wrote
    return WindowText(
        state.window,
        "Closed",
        "only tagged updates",
        f"{never} Only event, purchase and account updates with a message tag may be sent until "
        "they write again.",
        "",
        None,
        "secondary",
    )
