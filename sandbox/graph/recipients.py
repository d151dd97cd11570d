"""Resolution of a Send API ``recipient`` to a person and thread, without writing anything.

The thread (and so the PSID) is created only once every check has passed, by
:meth:`Target.materialize`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.context import CallContext
from sandbox.models import Comment, Page, Person, Post, Thread, UserRef
from sandbox.services import threads
from sandbox.services.feed import PRIVATE_REPLY_WINDOW_MS

RECIPIENT_KEYS = ("id", "phone_number", "comment_id", "post_id", "user_ref")
US_E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


@dataclass
class Target:
    """Who a send goes to, and how the recipient was named."""

    kind: str  # id | phone_number | comment_id | post_id | user_ref
    page_id: str
    person_id: str
    thread: Thread | None
    comment: Comment | None = None
    post: Post | None = None
    phone: str | None = None
    user_ref: UserRef | None = None

    @property
    def private_reply(self) -> bool:
        """Return whether this is a private reply to a comment or post."""
        return self.kind in ("comment_id", "post_id")

    @property
    def shows_recipient_id(self) -> bool:
        """Graph omits ``recipient_id`` for phone_number and user_ref recipients."""
        return self.kind not in ("phone_number", "user_ref")

    def materialize(self, ctx: CallContext) -> Thread:
        """Return the thread, creating it (a new PSID) on first contact."""
        if self.thread is None:
            self.thread = threads.open_thread(ctx.session, self.person_id, self.page_id, ctx.now_ms)
        if self.kind == "phone_number" and not self.thread.matched_phone:
            self.thread.matched_phone = self.phone
            self.thread.prior_message_pending = True
        return self.thread


def no_matching_user() -> GraphError:
    """100/2018001: the recipient is unknown to this Page."""
    return errors.invalid_param("No matching user found", subcode=2018001, rule="unknown_recipient")


def resolve_recipient(ctx: CallContext, page: Page, recipient: dict[str, Any]) -> Target:
    """Return the target of ``recipient`` for ``page`` or raise the Graph error."""
    keys = [key for key in RECIPIENT_KEYS if recipient.get(key) not in (None, "")]
    if len(keys) != 1:
        raise errors.invalid_param(
            "param recipient must have exactly one of id, phone_number, comment_id, post_id or "
            "user_ref",
            rule="recipient_invalid",
        )
    key = keys[0]
    value = str(recipient[key])
    ctx.violation["recipient"] = json.dumps({key: value})
    resolver = {
        "id": _by_psid,
        "phone_number": _by_phone,
        "comment_id": _by_comment,
        "post_id": _by_post,
        "user_ref": _by_user_ref,
    }[key]
    target = resolver(ctx, page, value)
    if target.thread is not None and target.thread.blocked:
        raise GraphError(
            551, "This person isn't available right now.", subcode=1545041, rule="blocked"
        )
    return target


def _by_psid(ctx: CallContext, page: Page, psid: str) -> Target:
    # New threads are flushed as they are created, so a lookup by PSID needs no autoflush; skipping
    # it lets a batch's inserts go out together at commit.
    with ctx.session.no_autoflush:
        thread = ctx.session.get(Thread, psid)
    ctx.shared.pinned.append(thread)
    if thread is None or thread.page_id != page.id:
        raise no_matching_user()
    return Target("id", page.id, thread.person_id, thread)


def normalize_phone(raw: str) -> str:
    """Strip formatting from a phone number: ``+1 (415) 555-0100`` -> ``+14155550100``."""
    digits = re.sub(r"\D", "", raw)
    return f"+{digits}" if raw.strip().startswith("+") else digits


def _by_phone(ctx: CallContext, page: Page, raw: str) -> Target:
    if not ctx.auth.has("pages_messaging_phone_number"):
        error = errors.missing_permission("pages_messaging_phone_number")
        error.rule = "phone_number_permission"
        raise error
    phone = normalize_phone(raw)
    if not US_E164.match(phone):
        raise errors.invalid_param(
            "param recipient[phone_number] must be a US phone number in E.164 format "
            "(customer matching is available for US numbers only)",
            rule="phone_number_not_us",
        )
    person = ctx.session.scalar(
        select(Person).where(Person.phone_number == phone).order_by(Person.created_at).limit(1)
    )
    if person is None:
        raise no_matching_user()
    thread = threads.find_thread(ctx.session, person.id, page.id)
    return Target("phone_number", page.id, person.id, thread, phone=phone)


def _by_comment(ctx: CallContext, page: Page, comment_id: str) -> Target:
    comment = ctx.session.get(Comment, comment_id)
    if comment is None or comment.deleted or comment.page_id != page.id:
        error = errors.unsupported_request("POST", comment_id)
        error.rule = "unknown_recipient"
        raise error
    _check_private_reply(
        ctx, comment.author_person_id, comment.created_at, comment.private_reply_mid
    )
    assert comment.author_person_id is not None
    thread = threads.find_thread(ctx.session, comment.author_person_id, page.id)
    return Target("comment_id", page.id, comment.author_person_id, thread, comment=comment)


def _by_post(ctx: CallContext, page: Page, post_id: str) -> Target:
    post = ctx.session.get(Post, post_id)
    if post is None or post.deleted or post.page_id != page.id:
        error = errors.unsupported_request("POST", post_id)
        error.rule = "unknown_recipient"
        raise error
    _check_private_reply(ctx, post.author_person_id, post.created_at, post.private_reply_mid)
    assert post.author_person_id is not None
    thread = threads.find_thread(ctx.session, post.author_person_id, page.id)
    return Target("post_id", page.id, post.author_person_id, thread, post=post)


def _check_private_reply(
    ctx: CallContext, author_person_id: str | None, created_at: int, replied_mid: str | None
) -> None:
    if author_person_id is None:
        raise GraphError(
            10903, "This user cant reply to this activity", rule="private_reply_own_content"
        )
    if replied_mid is not None:
        raise GraphError(10900, "Activity already replied to", rule="private_reply_duplicate")
    if ctx.now_ms - created_at > PRIVATE_REPLY_WINDOW_MS:
        raise GraphError(
            10903, "This user cant reply to this activity", rule="private_reply_expired"
        )


def _by_user_ref(ctx: CallContext, page: Page, user_ref: str) -> Target:
    ref = ctx.session.get(UserRef, user_ref)
    if ref is None or ref.page_id != page.id:
        raise no_matching_user()
    thread = threads.find_thread(ctx.session, ref.person_id, page.id)
    return Target("user_ref", page.id, ref.person_id, thread, user_ref=ref)
