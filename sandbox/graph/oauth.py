"""``/oauth/access_token`` (code exchange, long-lived exchange, app token) and ``/debug_token``."""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import select

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.auth import AuthContext, resolve_token
from sandbox.graph.context import CallContext
from sandbox.graph.router import GraphRouter
from sandbox.models import AdAccount, App, AuthCode, Token
from sandbox.services import tokens

# A user token living at least this long counts as long-lived: its Page tokens never expire.
LONG_LIVED_MIN_SECONDS = 7 * 24 * 3600
DATA_ACCESS_SECONDS = 90 * 24 * 3600
PAGE_SCOPED = frozenset(
    {
        "pages_show_list",
        "pages_manage_metadata",
        "pages_messaging",
        "pages_messaging_phone_number",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_read_user_content",
        "pages_manage_engagement",
        "pages_manage_ads",
        "page_utility_messaging",
    }
)
AD_SCOPED = frozenset({"ads_management", "ads_read"})


def register(router: GraphRouter) -> None:
    """Register the OAuth endpoints."""
    router.fixed("GET", "oauth/access_token")(access_token)
    router.fixed("POST", "oauth/access_token")(access_token)
    router.fixed("GET", "debug_token")(debug_token)


def _oauth_error(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(100, message, subcode=subcode, prefixed=False)


def _client_app(ctx: CallContext, *, need_secret: bool = True) -> App:
    app = ctx.session.get(App, ctx.request.text("client_id") or "")
    if app is None:
        raise GraphError(
            101, "Error validating application. Invalid application ID.", prefixed=False
        )
    secret = ctx.request.text("client_secret") or ""
    if need_secret and not hmac.compare_digest(secret, app.secret):
        raise GraphError(1, "Error validating client secret.", prefixed=False, http_status=400)
    return app


def access_token(ctx: CallContext) -> dict[str, Any]:
    """Exchange a code, a short-lived token or app credentials for a token."""
    ctx.writable()
    grant_type = ctx.request.text("grant_type")
    app = _client_app(ctx)
    if grant_type == "client_credentials":
        token = tokens.issue_app_token(ctx.session, app_id=app.id, now=ctx.now_ms)
        return {"access_token": token.token, "token_type": "bearer"}
    if grant_type == "fb_exchange_token":
        return _exchange_long_lived(ctx, app)
    if grant_type not in (None, "authorization_code"):
        raise _oauth_error(f"Unsupported grant_type {grant_type}")
    return _exchange_code(ctx, app)


def _exchange_code(ctx: CallContext, app: App) -> dict[str, Any]:
    request, session, now = ctx.request, ctx.session, ctx.now_ms
    code_text = request.text("code")
    if not code_text:
        raise _oauth_error("Missing authorization code")
    code = session.get(AuthCode, code_text)
    if code is None or code.app_id != app.id:
        raise _oauth_error("Invalid verification code format.")
    if code.used_at is not None:
        raise _oauth_error("This authorization code has been used.", 36009)
    if now - code.created_at > ctx.sandbox.settings["code_ttl"] * 1000:
        raise _oauth_error("This authorization code has expired.", 36007)
    if (request.text("redirect_uri") or "") != code.redirect_uri:
        raise _oauth_error(
            "Error validating verification code. Please make sure your redirect_uri is identical "
            "to the one you used in the OAuth dialog request",
            36008,
        )
    code.used_at = now
    expires_in = ctx.sandbox.settings["token_expires_in"]
    token = tokens.issue_user_token(
        session,
        app_id=app.id,
        user_id=code.user_id,
        now=now,
        expires_in=expires_in,
        long_lived=expires_in >= LONG_LIVED_MIN_SECONDS,
    )
    return {"access_token": token.token, "token_type": "bearer", "expires_in": expires_in}


def _exchange_long_lived(ctx: CallContext, app: App) -> dict[str, Any]:
    short = ctx.request.text("fb_exchange_token")
    if not short:
        raise _oauth_error("The parameter fb_exchange_token is required")
    auth = resolve_token(ctx.session, short, ctx.now_ms)
    if auth.kind != "USER" or auth.app_id != app.id or auth.user_id is None:
        raise _oauth_error("The fb_exchange_token does not belong to this app's users")
    expires_in = ctx.sandbox.settings["long_lived_expires_in"]
    token = tokens.issue_user_token(
        ctx.session,
        app_id=app.id,
        user_id=auth.user_id,
        now=ctx.now_ms,
        expires_in=expires_in,
        long_lived=True,
    )
    return {"access_token": token.token, "token_type": "bearer", "expires_in": expires_in}


def debug_token(ctx: CallContext) -> dict[str, Any]:
    """Describe ``input_token`` to its app (an app token is required)."""
    viewer = ctx.auth
    if viewer.kind != "APP":
        raise errors.invalid_param(
            "You must provide an app access token, or a user access token that is an owner or "
            "developer of the app"
        )
    input_token = ctx.request.text("input_token")
    if not input_token:
        raise errors.invalid_param("The parameter input_token is required")
    try:
        info = resolve_token(ctx.session, input_token, ctx.now_ms)
    except GraphError as exc:
        return {"data": _invalid_data(ctx, viewer, input_token, exc)}
    if info.app_id != viewer.app_id:
        raise errors.invalid_param("The App_id in the input_token did not match the Viewing App")
    return {"data": _valid_data(ctx, info)}


def _valid_data(ctx: CallContext, info: AuthContext) -> dict[str, Any]:
    data: dict[str, Any] = {"app_id": info.app_id, "type": info.kind, "application": info.app_name}
    if info.kind == "APP":
        return data | {"is_valid": True}
    data |= {
        "data_access_expires_at": info.issued_at // 1000 + DATA_ACCESS_SECONDS,
        "expires_at": info.expires_at // 1000,
        "is_valid": True,
        "issued_at": info.issued_at // 1000,
    }
    if info.kind == "PAGE":
        data["profile_id"] = info.page_id
    data["scopes"] = sorted(info.granted)
    data["granular_scopes"] = _granular_scopes(ctx, info)
    data["user_id"] = info.asid
    return data


def _granular_scopes(ctx: CallContext, info: AuthContext) -> list[dict[str, Any]]:
    ad_accounts = list(
        ctx.session.scalars(select(AdAccount.id).where(AdAccount.owner_user_id == info.user_id))
    )
    scopes: list[dict[str, Any]] = []
    for scope in sorted(info.granted):
        entry: dict[str, Any] = {"scope": scope}
        if scope in PAGE_SCOPED:
            entry["target_ids"] = list(info.shared_page_ids)
        elif scope in AD_SCOPED:
            entry["target_ids"] = ad_accounts
        scopes.append(entry)
    return scopes


def _invalid_data(
    ctx: CallContext, viewer: AuthContext, input_token: str, exc: GraphError
) -> dict[str, Any]:
    row = ctx.session.scalar(select(Token).where(Token.token == input_token))
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.subcode is not None:
        error["subcode"] = exc.subcode
    if row is None or row.app_id != viewer.app_id:
        return {"error": error, "is_valid": False, "scopes": []}
    data: dict[str, Any] = {
        "app_id": row.app_id,
        "type": row.kind,
        "application": viewer.app_name,
        "error": error,
        "expires_at": row.expires_at // 1000,
        "is_valid": False,
        "issued_at": row.issued_at // 1000,
        "scopes": [],
    }
    if row.kind == "PAGE":
        data["profile_id"] = row.page_id
    if row.asid:
        data["user_id"] = row.asid
    return data
