"""The sandbox's SQLAlchemy models, re-exported so callers import from ``sandbox.models``."""

from sandbox.models.ads import Ad, AdCreative, AdSet, Campaign
from sandbox.models.base import Base
from sandbox.models.feed import Comment, Post
from sandbox.models.identity import App, AppScopedUser, AuthCode, Grant, Token, User
from sandbox.models.messaging import Message, Person, Thread, UserRef
from sandbox.models.ops import (
    CallRecord,
    Fault,
    Setting,
    Violation,
    WebhookDelivery,
    WebhookEvent,
    WebhookHealth,
)
from sandbox.models.pages import (
    ALL_TASKS,
    AdAccount,
    MessageAttachment,
    Page,
    PageRole,
    PageSubscription,
)

__all__ = [
    "ALL_TASKS",
    "Ad",
    "AdAccount",
    "AdCreative",
    "AdSet",
    "App",
    "AppScopedUser",
    "AuthCode",
    "Base",
    "CallRecord",
    "Campaign",
    "Comment",
    "Fault",
    "Grant",
    "Message",
    "MessageAttachment",
    "Page",
    "PageRole",
    "PageSubscription",
    "Person",
    "Post",
    "Setting",
    "Thread",
    "Token",
    "User",
    "UserRef",
    "Violation",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookHealth",
]
