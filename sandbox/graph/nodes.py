"""Node resolvers: which object a path's first segment names, as visible to the caller.

Objects the caller may not see resolve to nothing, so Graph's answer is the same 100/33 as for an
object that does not exist (a PSID of another Page, another user's app-scoped id).
"""

from __future__ import annotations

from sqlalchemy import select

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import App, AppScopedUser, Comment, Page, Post, Thread, User


def register(router: GraphRouter) -> None:
    """Register the core resolvers (feature modules may add more, e.g. ``act_`` ad accounts)."""
    router.resolver(resolve_me)
    router.resolver(resolve_page)
    router.resolver(resolve_psid)
    router.resolver(resolve_asid)
    router.resolver(resolve_app)
    router.resolver(resolve_post)
    router.resolver(resolve_comment)
    router.resolver(resolve_page_username)


def resolve_me(ctx: CallContext, ident: str) -> Node | None:
    """``me`` is the token's Page for a Page token and its user for a user token."""
    if ident != "me":
        return None
    auth = ctx.auth
    if auth.kind == "PAGE" and auth.page_id:
        page = ctx.session.get(Page, auth.page_id)
        return Node("page", auth.page_id, page) if page else None
    if auth.kind == "USER" and auth.user_id:
        user = ctx.session.get(User, auth.user_id)
        return Node("user", auth.asid or auth.user_id, user) if user else None
    raise errors.token_required(for_me=True)


def resolve_page(ctx: CallContext, ident: str) -> Node | None:
    """A Page by id (public: any valid token sees it)."""
    if not ident.isdigit():
        return None
    page = ctx.session.get(Page, ident)
    return Node("page", ident, page) if page else None


def resolve_psid(ctx: CallContext, ident: str) -> Node | None:
    """A PSID, visible only to a Page token of the Page it belongs to."""
    if not ident.isdigit():
        return None
    thread = ctx.session.get(Thread, ident)
    auth = ctx.auth
    if thread is None or auth.kind != "PAGE" or auth.page_id != thread.page_id:
        return None
    return Node("psid", ident, thread)


def resolve_asid(ctx: CallContext, ident: str) -> Node | None:
    """An app-scoped user id: its own user token, or a token of the same app, sees it."""
    if not ident.isdigit():
        return None
    row = ctx.session.get(AppScopedUser, ident)
    auth = ctx.auth
    if row is None or row.app_id != auth.app_id:
        return None
    if auth.kind != "APP" and auth.user_id != row.user_id:
        return None
    user = ctx.session.get(User, row.user_id)
    return Node("user", ident, user) if user else None


def resolve_app(ctx: CallContext, ident: str) -> Node | None:
    """An app by id (basic fields are public)."""
    if not ident.isdigit():
        return None
    app = ctx.session.get(App, ident)
    return Node("app", ident, app) if app else None


def resolve_post(ctx: CallContext, ident: str) -> Node | None:
    """A post (``{page-id}_{suffix}``) that has not been deleted."""
    if "_" not in ident:
        return None
    post = ctx.session.get(Post, ident)
    return Node("post", ident, post) if post and not post.deleted else None


def resolve_comment(ctx: CallContext, ident: str) -> Node | None:
    """A comment (``{post-suffix}_{suffix}``) that has not been deleted."""
    if "_" not in ident:
        return None
    comment = ctx.session.get(Comment, ident)
    return Node("comment", ident, comment) if comment and not comment.deleted else None


def resolve_page_username(ctx: CallContext, ident: str) -> Node | None:
    """A Page by its username (``GET /acmecoffee``)."""
    if ident.isdigit():
        return None
    page = ctx.session.scalar(select(Page).where(Page.username == ident))
    return Node("page", page.id, page) if page else None
