"""Page posts: publish and schedule (``POST /{page-id}/feed``), list, read, edit and delete.

Scheduling follows Graph: ``published=false`` with ``scheduled_publish_time`` (Unix seconds or
ISO 8601) between 10 minutes and 30 days ahead; the post goes out when its time comes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph import feed_access as access
from sandbox.graph.context import CallContext
from sandbox.graph.pages import check_fields
from sandbox.graph.paging import paginate
from sandbox.graph.render import graph_time, pick
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Page, Post
from sandbox.services import feed

MIN_SCHEDULE_SECONDS = 10 * 60
MAX_SCHEDULE_SECONDS = 30 * 24 * 3600
POST_FIELDS = frozenset(
    {
        "id",
        "message",
        "link",
        "created_time",
        "updated_time",
        "permalink_url",
        "from",
        "is_hidden",
        "is_published",
        "can_reply_privately",
        "scheduled_publish_time",
        "status_type",
    }
)
DEFAULT_POST_FIELDS = ["created_time", "message", "id"]
LIST_EDGES = ("feed", "posts", "published_posts", "scheduled_posts")


def register(router: GraphRouter) -> None:
    """Register the post handlers."""
    router.edge("page", "POST", "feed")(publish)
    for edge in LIST_EDGES:
        router.edge("page", "GET", edge)(list_posts)
    router.edge("post", "GET")(get_post)
    router.edge("post", "POST")(update_post)
    router.edge("post", "DELETE")(delete_post)


def render_post(ctx: CallContext, page: Page, post: Post, fields: list[str]) -> dict[str, Any]:
    """Return the requested fields of a post (a visitor's ``from`` only to a Page token)."""
    author = feed.author_of(ctx.session, page, post.author_person_id)
    show_from = post.author_person_id is None or ctx.auth.kind == "PAGE"
    values: dict[str, Any] = {
        "id": post.id,
        "message": post.message,
        "link": post.link,
        "created_time": graph_time(post.created_at),
        "updated_time": graph_time(post.updated_at),
        "permalink_url": feed.permalink(page, post.id),
        "from": author if show_from else None,
        "is_hidden": post.is_hidden,
        "is_published": post.is_published,
        "can_reply_privately": feed.can_reply_privately(
            post.author_person_id, post.created_at, post.private_reply_mid, ctx.now_ms
        ),
        "scheduled_publish_time": post.scheduled_publish_time,
        "status_type": "shared_story" if post.link else "mobile_status_update",
    }
    return pick(values, fields)


def _schedule_time(raw: str, now_ms: int) -> int:
    """Parse ``scheduled_publish_time`` and check Graph's 10 minutes - 30 days window."""
    try:
        if raw.strip().lstrip("-").isdigit():
            when = int(raw)
        else:
            moment = datetime.fromisoformat(raw.strip().replace(" ", "T", 1))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            when = int(moment.timestamp())
    except ValueError as exc:
        raise errors.invalid_param(
            "param scheduled_publish_time must be a Unix timestamp or an ISO 8601 time"
        ) from exc
    ahead = when - now_ms // 1000
    if not MIN_SCHEDULE_SECONDS <= ahead <= MAX_SCHEDULE_SECONDS:
        raise GraphError(
            100,
            "The specified scheduled publish time is invalid.",
            user_title="Invalid scheduled publish time",
            user_msg="The scheduled publish time must be between 10 minutes and 30 days from "
            "the time of the API request.",
        )
    return when


def publish(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Publish a post as the Page, or schedule it, or keep it unpublished."""
    access.publisher_of(ctx, node.id)
    request = ctx.request
    message, link = request.text("message"), request.text("link")
    if not message and not link:
        raise errors.invalid_param("param message or link must be non-empty")
    if link and not link.startswith(("http://", "https://")):
        raise errors.invalid_param("param link must be a valid URL")
    published = request.flag("published", True)
    raw_time = request.text("scheduled_publish_time")
    scheduled = None
    if raw_time:
        if published:
            raise errors.invalid_param(
                "Cannot specify a scheduled publish time on a published post: set published "
                "to false"
            )
        scheduled = _schedule_time(raw_time, ctx.now_ms)
    post, queued = feed.create_post(
        ctx.session,
        node.obj,
        message=message,
        link=link,
        at=ctx.now_ms,
        memo=ctx.shared.memo,
        published=published,
        scheduled_publish_time=scheduled,
    )
    if queued:
        ctx.shared.notify_dispatcher = True
    return {"id": post.id}


def list_posts(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List ``feed`` (visitor posts too), ``posts``, ``published_posts``, ``scheduled_posts``."""
    edge = ctx.request.segments[1]
    auth = access.reader_of(ctx, node.id)
    fields = ctx.request.fields(DEFAULT_POST_FIELDS)
    check_fields(fields, POST_FIELDS, "Post")
    access.publish_due(ctx, node.id)
    query = select(Post).where(Post.page_id == node.id, Post.deleted.is_(False))
    if edge == "scheduled_posts":
        query = query.where(Post.scheduled_publish_time.is_not(None))
    else:
        query = query.where(Post.is_published.is_(True))
    if edge != "feed" or not auth.has("pages_read_user_content"):
        query = query.where(Post.author_person_id.is_(None))
    posts = ctx.session.scalars(query.order_by(Post.created_at.desc(), Post.id.desc())).all()
    chunk, paging = paginate(ctx, posts, lambda post: post.id, f"{node.id}/{edge}")
    page = ctx.session.get(Page, node.id)
    assert page is not None
    result: dict[str, Any] = {"data": [render_post(ctx, page, p, fields) for p in chunk]}
    if paging:
        result["paging"] = paging
    return result


def _page_of(ctx: CallContext, post: Post) -> Page:
    page = ctx.session.get(Page, post.page_id)
    assert page is not None
    return page


def get_post(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return a post's fields."""
    post: Post = node.obj
    access.reader_of(ctx, post.page_id, user_content=post.author_person_id is not None)
    fields = ctx.request.fields(DEFAULT_POST_FIELDS)
    check_fields(fields, POST_FIELDS, "Post")
    access.publish_due(ctx, post.page_id)
    post = ctx.session.get(Post, node.id) or post
    return render_post(ctx, _page_of(ctx, post), post, fields)


def update_post(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Change the message of one of the Page's own posts."""
    post: Post = node.obj
    access.publisher_of(ctx, post.page_id)
    if post.author_person_id is not None:
        raise errors.unsupported_request("POST", node.id)
    message = ctx.request.text("message")
    if not message:
        raise errors.invalid_param("param message must be non-empty")
    queued = feed.update_post(
        ctx.session, _page_of(ctx, post), post, message, ctx.now_ms, ctx.shared.memo
    )
    ctx.shared.notify_dispatcher = ctx.shared.notify_dispatcher or bool(queued)
    return {"success": True}


def delete_post(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Delete a post: the Page's own (publishing rights) or a visitor's (moderation rights)."""
    post: Post = node.obj
    if post.author_person_id is None:
        access.publisher_of(ctx, post.page_id)
    else:
        access.moderator_of(ctx, post.page_id, people_content=True)
    queued = feed.delete_post(ctx.session, _page_of(ctx, post), post, ctx.now_ms, ctx.shared.memo)
    ctx.shared.notify_dispatcher = ctx.shared.notify_dispatcher or bool(queued)
    return {"success": True}
