"""Comments: people comment, edit and remove theirs; the Page replies, hides and deletes.

Every change queues the ``feed`` webhook Meta sends for it (``add``, ``edited``, ``hide``,
``unhide``, ``remove``). Replies to a reply attach to the top-level comment, as on Facebook.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.ids import new_numeric_id
from sandbox.models import Comment, Page, Person, Post
from sandbox.services.feed import author_of
from sandbox.services.people import ActionRefused, ActionResult
from sandbox.webhooks import events, payloads


def top_level(session: Session, comment: Comment) -> Comment:
    """Return the comment a reply to ``comment`` attaches to (itself when top-level)."""
    if comment.parent_id is None:
        return comment
    parent = session.get(Comment, comment.parent_id)
    assert parent is not None
    return parent


def _new_comment(
    session: Session,
    page: Page,
    post: Post,
    parent: Comment | None,
    author_person_id: str | None,
    message: str,
    at: int,
) -> Comment:
    comment = Comment(
        id=f"{post.suffix}_{new_numeric_id(15, '1')}",
        post_id=post.id,
        parent_id=parent.id if parent else None,
        page_id=page.id,
        author_person_id=author_person_id,
        message=message,
        created_at=at,
        updated_at=at,
        is_hidden=False,
        deleted=False,
    )
    session.add(comment)
    return comment


def _queue_change(
    session: Session,
    page: Page,
    comment: Comment,
    verb: str,
    at: int,
    memo: dict[Any, Any],
    inflight: bool = False,
) -> list[int]:
    value = payloads.comment_change(
        verb=verb,
        comment_id=comment.id,
        post_id=comment.post_id,
        parent_id=comment.parent_id or comment.post_id,
        author=author_of(session, page, comment.author_person_id),
        created_time=comment.created_at // 1000,
        message=comment.message,
    )
    queued = events.enqueue_feed(
        session, page_id=page.id, value=value, now_ms=at, memo=memo, inflight=inflight
    )
    session.flush()
    return [e.id for e in queued]


def add_comment(
    session: Session,
    person: Person,
    post: Post,
    *,
    message: str,
    parent_id: str | None,
    at: int,
) -> ActionResult:
    """A person comments on a post (or replies to a comment) and the ``feed`` change is queued."""
    page = session.get(Page, post.page_id)
    assert page is not None
    if post.deleted or not post.is_published:
        raise ActionRefused("this post is not on the Page's feed")
    parent = None
    if parent_id:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.post_id != post.id or parent.deleted:
            raise ActionRefused("parent_id is not a comment on this post")
        parent = top_level(session, parent)
    comment = _new_comment(session, page, post, parent, person.id, message, at)
    event_ids = _queue_change(session, page, comment, "add", at, {}, inflight=True)
    return ActionResult(None, event_ids=event_ids, extra={"comment_id": comment.id})


def page_comment(
    session: Session,
    page: Page,
    post: Post,
    parent: Comment | None,
    message: str,
    at: int,
    memo: dict[Any, Any],
) -> tuple[Comment, list[int]]:
    """The Page comments on a post or replies publicly to a comment (``from`` is the Page)."""
    parent = top_level(session, parent) if parent is not None else None
    comment = _new_comment(session, page, post, parent, None, message, at)
    return comment, _queue_change(session, page, comment, "add", at, memo)


def set_hidden(
    session: Session, page: Page, comment: Comment, hidden: bool, at: int, memo: dict[Any, Any]
) -> list[int]:
    """Hide or unhide a comment; a change of state queues ``hide`` or ``unhide``."""
    if comment.is_hidden == hidden:
        return []
    comment.is_hidden = hidden
    comment.updated_at = at
    return _queue_change(session, page, comment, "hide" if hidden else "unhide", at, memo)


def edit_comment(
    session: Session,
    page: Page,
    comment: Comment,
    message: str,
    at: int,
    memo: dict[Any, Any],
    inflight: bool = False,
) -> list[int]:
    """Change a comment's text (by its author) and queue ``edited``."""
    comment.message = message
    comment.updated_at = at
    return _queue_change(session, page, comment, "edited", at, memo, inflight)


def remove_comment(
    session: Session,
    page: Page,
    comment: Comment,
    at: int,
    memo: dict[Any, Any],
    inflight: bool = False,
) -> list[int]:
    """Delete a comment (a top-level one takes its replies with it) and queue ``remove``."""
    comment.deleted = True
    comment.updated_at = at
    if comment.parent_id is None:
        for reply in session.scalars(select(Comment).where(Comment.parent_id == comment.id)):
            reply.deleted = True
    return _queue_change(session, page, comment, "remove", at, memo, inflight)
