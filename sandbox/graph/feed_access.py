"""Who may read and change a Page's posts and comments: tokens, permissions and Page tasks.

Reading takes ``pages_read_engagement`` (a visitor's posts also ``pages_read_user_content``).
Publishing takes ``pages_manage_posts`` and ``pages_read_engagement`` with CREATE_CONTENT or
MANAGE, as Meta's "(#200) If posting to a page..." error says. Commenting as the Page takes
``pages_manage_engagement``; hiding and deleting people's comments also ``pages_read_user_content``
(the reference marks that set unconfirmed, so the sandbox asks for both) with MODERATE or MANAGE.
"""

from __future__ import annotations

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.auth import AuthContext
from sandbox.graph.context import CallContext
from sandbox.services import feed

CONTENT_TASKS = ("CREATE_CONTENT", "MANAGE")
MODERATION_TASKS = ("MODERATE", "MANAGE")
COMMENT_TASKS = ("CREATE_CONTENT", "MODERATE", "MANAGE")


def page_token_of(ctx: CallContext, page_id: str) -> AuthContext:
    """Return the caller's auth when it is a token of this Page; raise 210 or 100/33 otherwise."""
    auth = ctx.auth
    auth.require_page_token()
    if auth.page_id != page_id:
        raise errors.unsupported_request(ctx.request.method, page_id)
    return auth


def reader_of(ctx: CallContext, page_id: str, *, user_content: bool = False) -> AuthContext:
    """Return the auth of a caller allowed to read the Page's content.

    A Page token of the Page, or a user token the Page was shared with, with
    ``pages_read_engagement`` (and ``pages_read_user_content`` for people's content).
    """
    auth = ctx.auth
    if auth.kind == "PAGE":
        if auth.page_id != page_id:
            raise errors.unsupported_request(ctx.request.method, page_id)
    elif auth.kind != "USER" or page_id not in auth.shared_page_ids:
        raise errors.unsupported_request(ctx.request.method, page_id)
    auth.require("pages_read_engagement")
    if user_content:
        auth.require("pages_read_user_content")
    return auth


def posting_refused() -> GraphError:
    """200: Meta's wording when the publishing permissions or task are missing."""
    return GraphError(
        200,
        "If posting to a page, requires both pages_read_engagement and pages_manage_posts as an "
        "admin with sufficient administrative permission",
    )


def publisher_of(ctx: CallContext, page_id: str) -> AuthContext:
    """Return the auth of a caller allowed to publish, edit and delete the Page's posts."""
    auth = page_token_of(ctx, page_id)
    if not (auth.has("pages_manage_posts") and auth.has("pages_read_engagement")):
        raise posting_refused()
    auth.require_task(*CONTENT_TASKS)
    return auth


def commenter_of(ctx: CallContext, page_id: str) -> AuthContext:
    """Return the auth of a caller allowed to comment and reply as the Page."""
    auth = page_token_of(ctx, page_id)
    auth.require("pages_manage_engagement")
    auth.require_task(*COMMENT_TASKS)
    return auth


def moderator_of(ctx: CallContext, page_id: str, *, people_content: bool) -> AuthContext:
    """Return the auth of a caller allowed to hide or delete comments (people's or the Page's)."""
    auth = page_token_of(ctx, page_id)
    auth.require("pages_manage_engagement")
    if people_content:
        auth.require("pages_read_user_content")
        auth.require_task(*MODERATION_TASKS)
    else:
        auth.require_task(*COMMENT_TASKS)
    return auth


def publish_due(ctx: CallContext, page_id: str) -> None:
    """Publish the Page's scheduled posts that came due before a read looks at them."""
    if not feed.has_due(ctx.session, ctx.now_ms, page_id):
        return
    session = ctx.writable()
    if feed.publish_due(session, ctx.now_ms, page_id, memo=ctx.shared.memo):
        ctx.shared.notify_dispatcher = True
