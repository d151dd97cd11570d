"""Posts on a Page's feed, their scheduling, and the ``feed`` webhooks they cause.

A scheduled post is published lazily: whoever looks at the Page's posts (a Graph read, the control
API, the dispatcher's round) first publishes what came due, with the time it was due.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.ids import new_numeric_id
from sandbox.models import Comment, Page, Person, Post
from sandbox.webhooks import events, payloads

PRIVATE_REPLY_WINDOW_MS = 7 * 24 * 3600 * 1000


def author_of(session: Session, page: Page, person_id: str | None) -> dict[str, str]:
    """Return the ``from`` object of a post or comment: the person, or the Page itself."""
    if person_id is None:
        return {"id": page.id, "name": page.name}
    person = session.get(Person, person_id)
    return {"id": person_id, "name": person.name if person else ""}


def permalink(page: Page, post_id: str) -> str:
    """Return a post's facebook.com permalink, as Graph reports it."""
    return f"https://www.facebook.com/{page.id}/posts/{post_id.split('_', 1)[1]}"


def can_reply_privately(
    author_person_id: str | None, created_at: int, replied: str | None, now: int
) -> bool:
    """Whether a private reply is still possible: a person's content, < 7 days, not yet answered."""
    return (
        author_person_id is not None
        and replied is None
        and now - created_at <= PRIVATE_REPLY_WINDOW_MS
    )


def create_post(
    session: Session,
    page: Page,
    *,
    message: str | None,
    at: int,
    author_person_id: str | None = None,
    link: str | None = None,
    memo: dict[Any, Any] | None = None,
    inflight: bool = False,
    published: bool = True,
    scheduled_publish_time: int | None = None,
) -> tuple[Post, list[int]]:
    """Create a post (by the Page, or a visitor post); a published one queues its ``feed`` add.

    ``published=False`` makes an unpublished post, scheduled when ``scheduled_publish_time``
    (epoch seconds) is given.
    """
    post = Post(
        id=f"{page.id}_{new_numeric_id(15, '1')}",
        page_id=page.id,
        author_person_id=author_person_id,
        message=message,
        link=link,
        created_at=at,
        updated_at=at,
        is_published=published,
        scheduled_publish_time=scheduled_publish_time,
        is_hidden=False,
        deleted=False,
    )
    session.add(post)
    queued = _post_event(session, page, post, "add", at, memo or {}, inflight) if published else []
    session.flush()
    return post, queued


def _post_event(
    session: Session, page: Page, post: Post, verb: str, at: int, memo: dict, inflight: bool
) -> list[int]:
    value = payloads.post_change(
        verb=verb,
        post_id=post.id,
        author=author_of(session, page, post.author_person_id),
        created_time=post.created_at // 1000,
        message=post.message,
    )
    if post.link and verb != "remove":
        value["link"] = post.link
    queued = events.enqueue_feed(
        session, page_id=page.id, value=value, now_ms=at, memo=memo, inflight=inflight
    )
    session.flush()  # the events need their ids
    return [e.id for e in queued]


def _due_query(now: int, page_id: str | None) -> Any:
    query = select(Post).where(
        Post.is_published.is_(False),
        Post.deleted.is_(False),
        Post.scheduled_publish_time.is_not(None),
        Post.scheduled_publish_time <= now // 1000,
    )
    return query.where(Post.page_id == page_id) if page_id is not None else query


def has_due(session: Session, now: int, page_id: str | None = None) -> bool:
    """Return whether some scheduled post (of the Page) has come due (a cheap read)."""
    return session.scalar(_due_query(now, page_id).limit(1)) is not None


def publish_due(
    session: Session, now: int, page_id: str | None = None, memo: dict[Any, Any] | None = None
) -> list[int]:
    """Publish the scheduled posts that came due, as of their scheduled time; return event ids."""
    queued: list[int] = []
    for post in session.scalars(_due_query(now, page_id).order_by(Post.scheduled_publish_time)):
        page = session.get(Page, post.page_id)
        assert page is not None
        assert post.scheduled_publish_time is not None
        due = post.scheduled_publish_time * 1000
        post.is_published = True
        post.created_at = post.updated_at = due  # Graph dates a scheduled post when it went out
        post.scheduled_publish_time = None
        queued += _post_event(session, page, post, "add", now, {} if memo is None else memo, False)
    session.flush()
    return queued


def update_post(
    session: Session, page: Page, post: Post, message: str, at: int, memo: dict[Any, Any]
) -> list[int]:
    """Change a post's message; a published post queues an ``edited`` change."""
    post.message = message
    post.updated_at = at
    return _post_event(session, page, post, "edited", at, memo, False) if post.is_published else []


def delete_post(
    session: Session, page: Page, post: Post, at: int, memo: dict[Any, Any]
) -> list[int]:
    """Delete a post (and so its comments); a published post queues a ``remove`` change."""
    post.deleted = True
    post.updated_at = at
    return _post_event(session, page, post, "remove", at, memo, False) if post.is_published else []


def posts_with_comments(session: Session, page: Page, now: int) -> list[dict[str, Any]]:
    """Return the Page's posts, newest first, each with its comments and their replies."""
    posts = session.scalars(
        select(Post)
        .where(Post.page_id == page.id, Post.deleted.is_(False))
        .order_by(Post.created_at.desc(), Post.id)
    ).all()
    result = []
    for post in posts:
        comments = session.scalars(
            select(Comment)
            .where(Comment.post_id == post.id)
            .order_by(Comment.created_at, Comment.id)
        ).all()
        top = [c for c in comments if c.parent_id is None]
        result.append(
            {
                "id": post.id,
                "message": post.message,
                "link": post.link,
                "from": author_of(session, page, post.author_person_id),
                "created_time": post.created_at // 1000,
                "is_hidden": post.is_hidden,
                "is_published": post.is_published,
                "scheduled_publish_time": post.scheduled_publish_time,
                "permalink_url": permalink(page, post.id),
                "private_reply_mid": post.private_reply_mid,
                "comments": [
                    _comment_json(
                        session, page, c, [r for r in comments if r.parent_id == c.id], now
                    )
                    for c in top
                ],
            }
        )
    return result


def _comment_json(
    session: Session, page: Page, comment: Comment, replies: list[Comment], now: int
) -> dict[str, Any]:
    data = {
        "id": comment.id,
        "message": comment.message,
        "from": author_of(session, page, comment.author_person_id),
        "by_page": comment.author_person_id is None,
        "created_time": comment.created_at // 1000,
        "parent_id": comment.parent_id,
        "is_hidden": comment.is_hidden,
        "deleted": comment.deleted,
        "private_reply_mid": comment.private_reply_mid,
        "can_reply_privately": can_reply_privately(
            comment.author_person_id, comment.created_at, comment.private_reply_mid, now
        )
        and not comment.deleted,
    }
    if comment.parent_id is None:
        data["replies"] = [_comment_json(session, page, r, [], now) for r in replies]
    return data
