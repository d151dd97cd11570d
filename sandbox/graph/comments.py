"""Comments: ``/{post-id}/comments`` and ``/{comment-id}/comments`` (read, reply as the Page),
``/{comment-id}`` (read, hide/unhide or edit, delete).

Comment ids are ``{post-suffix}_{comment-suffix}``. ``from`` is shown only to a Page token, as
Graph does; hidden comments stay listed for the Page with ``is_hidden``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.graph import feed_access as access
from sandbox.graph.context import CallContext
from sandbox.graph.pages import check_fields
from sandbox.graph.paging import paginate
from sandbox.graph.render import graph_time, pick
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Comment, Page, Post
from sandbox.services import comments, feed

COMMENT_FIELDS = frozenset(
    {
        "id",
        "message",
        "from",
        "created_time",
        "can_reply_privately",
        "parent",
        "is_hidden",
        "can_hide",
        "can_remove",
        "comment_count",
        "like_count",
        "permalink_url",
    }
)
DEFAULT_COMMENT_FIELDS = ["created_time", "from", "message", "id"]
ORDERS = ("chronological", "reverse_chronological")
FILTERS = ("toplevel", "stream")


def register(router: GraphRouter) -> None:
    """Register the comment handlers."""
    for kind in ("post", "comment"):
        router.edge(kind, "GET", "comments")(list_comments)
        router.edge(kind, "POST", "comments")(create_comment)
    router.edge("comment", "GET")(get_comment)
    router.edge("comment", "POST")(update_comment)
    router.edge("comment", "DELETE")(delete_comment)


def render_comment(
    ctx: CallContext, page: Page, comment: Comment, fields: list[str]
) -> dict[str, Any]:
    """Return the requested fields of a comment."""
    session = ctx.session
    page_token = ctx.auth.kind == "PAGE"
    parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
    replies = session.scalars(
        select(Comment.id).where(Comment.parent_id == comment.id, Comment.deleted.is_(False))
    ).all()
    by_person = comment.author_person_id is not None
    values: dict[str, Any] = {
        "id": comment.id,
        "message": comment.message,
        "from": feed.author_of(session, page, comment.author_person_id) if page_token else None,
        "created_time": graph_time(comment.created_at),
        "can_reply_privately": feed.can_reply_privately(
            comment.author_person_id, comment.created_at, comment.private_reply_mid, ctx.now_ms
        ),
        "parent": render_comment(ctx, page, parent, DEFAULT_COMMENT_FIELDS) if parent else None,
        "is_hidden": comment.is_hidden,
        "can_hide": by_person,
        "can_remove": True,
        "comment_count": len(replies),
        "like_count": 0,
        "permalink_url": f"{feed.permalink(page, comment.post_id)}?comment_id={comment.id}",
    }
    return pick(values, fields)


def _context(ctx: CallContext, node: Node) -> tuple[Post, Comment | None]:
    """Return the post a node belongs to and, for a comment node, the comment."""
    if node.kind == "post":
        return node.obj, None
    post = ctx.session.get(Post, node.obj.post_id)
    if post is None or post.deleted:
        raise errors.unsupported_request(ctx.request.method, node.id)
    return post, node.obj


def _page(ctx: CallContext, page_id: str) -> Page:
    page = ctx.session.get(Page, page_id)
    assert page is not None
    return page


def list_comments(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """List a post's comments (``filter=toplevel|stream``) or a comment's replies."""
    post, parent = _context(ctx, node)
    access.reader_of(ctx, post.page_id)
    request = ctx.request
    fields = request.fields(DEFAULT_COMMENT_FIELDS)
    check_fields(fields, COMMENT_FIELDS, "Comment")
    order = request.text("order")
    if order is not None and order not in ORDERS:
        raise errors.invalid_param(f"param order must be one of {{{', '.join(ORDERS)}}}")
    filter_ = request.text("filter") or "toplevel"
    if filter_ not in FILTERS:
        raise errors.invalid_param(f"param filter must be one of {{{', '.join(FILTERS)}}}")
    query = select(Comment).where(Comment.post_id == post.id, Comment.deleted.is_(False))
    if parent is not None:
        query = query.where(Comment.parent_id == parent.id)
    elif filter_ == "toplevel":
        query = query.where(Comment.parent_id.is_(None))
    rows = list(ctx.session.scalars(query.order_by(Comment.created_at, Comment.id)))
    if order == "reverse_chronological":
        rows.reverse()
    chunk, paging = paginate(ctx, rows, lambda c: c.id, f"{node.id}/comments")
    page = _page(ctx, post.page_id)
    result: dict[str, Any] = {"data": [render_comment(ctx, page, c, fields) for c in chunk]}
    if paging:
        result["paging"] = paging
    if request.flag("summary", False):
        # Graph reports "ranked" when no order was asked for (the reference's example).
        result["summary"] = {
            "order": order or "ranked",
            "total_count": len(rows),
            "can_comment": True,
        }
    return result


def create_comment(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Comment as the Page on a post, or reply publicly to a comment (on its top-level one)."""
    post, parent = _context(ctx, node)
    access.commenter_of(ctx, post.page_id)
    message = ctx.request.text("message")
    if not message:
        raise errors.invalid_param("param message must be non-empty")
    comment, queued = comments.page_comment(
        ctx.session,
        _page(ctx, post.page_id),
        post,
        parent,
        message,
        ctx.now_ms,
        ctx.shared.memo,
    )
    ctx.shared.notify_dispatcher = ctx.shared.notify_dispatcher or bool(queued)
    return {"id": comment.id}


def get_comment(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return a comment's fields."""
    post, comment = _context(ctx, node)
    assert comment is not None
    access.reader_of(ctx, post.page_id)
    fields = ctx.request.fields(DEFAULT_COMMENT_FIELDS)
    check_fields(fields, COMMENT_FIELDS, "Comment")
    return render_comment(ctx, _page(ctx, post.page_id), comment, fields)


def update_comment(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Hide or unhide a person's comment (``is_hidden``), or edit the Page's own (``message``)."""
    post, comment = _context(ctx, node)
    assert comment is not None
    request = ctx.request
    page = _page(ctx, post.page_id)
    by_person = comment.author_person_id is not None
    if request.text("is_hidden") is not None:
        access.moderator_of(ctx, post.page_id, people_content=by_person)
        if not by_person:
            raise errors.invalid_param("The Page's own comments cannot be hidden")
        queued = comments.set_hidden(
            ctx.session,
            page,
            comment,
            request.flag("is_hidden", False),
            ctx.now_ms,
            ctx.shared.memo,
        )
    elif request.text("message"):
        access.commenter_of(ctx, post.page_id)
        if by_person:
            raise errors.unsupported_request("POST", node.id)
        queued = comments.edit_comment(
            ctx.session, page, comment, request.text("message") or "", ctx.now_ms, ctx.shared.memo
        )
    else:
        raise errors.invalid_param("param is_hidden or message must be given")
    ctx.shared.notify_dispatcher = ctx.shared.notify_dispatcher or bool(queued)
    return {"success": True}


def delete_comment(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Delete a comment on one of the Page's posts."""
    post, comment = _context(ctx, node)
    assert comment is not None
    access.moderator_of(ctx, post.page_id, people_content=comment.author_person_id is not None)
    queued = comments.remove_comment(
        ctx.session, _page(ctx, post.page_id), comment, ctx.now_ms, ctx.shared.memo
    )
    ctx.shared.notify_dispatcher = ctx.shared.notify_dispatcher or bool(queued)
    return {"success": True}
