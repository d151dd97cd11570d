"""App nodes: ``GET /{app-id}`` and the app-level webhook ``/{app-id}/subscriptions``."""

from __future__ import annotations

import secrets
from typing import Any

import requests

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.graph.context import CallContext
from sandbox.graph.pages import PAGE_WEBHOOK_FIELDS, check_fields
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import App
from sandbox.webhooks import events, health

APP_FIELDS = frozenset({"id", "name", "category", "link"})


def register(router: GraphRouter) -> None:
    """Register the app node handlers."""
    router.edge("app", "GET")(get_app)
    router.edge("app", "GET", "subscriptions")(list_subscriptions)
    router.edge("app", "POST", "subscriptions")(subscribe)
    router.edge("app", "DELETE", "subscriptions")(unsubscribe)


def get_app(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return an app's public fields."""
    fields = ctx.request.fields(["name", "id"])
    check_fields(fields, APP_FIELDS, "Application")
    app: App = node.obj
    values = {
        "id": app.id,
        "name": app.name,
        "category": app.category,
        "link": f"https://www.facebook.com/games/?app_id={app.id}",
    }
    return {name: values[name] for name in fields}


def _own_app(ctx: CallContext, node: Node) -> App:
    auth = ctx.auth
    if auth.kind != "APP":
        raise errors.app_token_required()
    if auth.app_id != node.id:
        raise errors.unsupported_request(ctx.request.method, node.id)
    return node.obj


def list_subscriptions(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return the app's webhook subscription (object ``page`` only)."""
    app = _own_app(ctx, node)
    if not app.callback_url:
        return {"data": []}
    version = ctx.request.api_version
    return {
        "data": [
            {
                "object": "page",
                "callback_url": app.callback_url,
                "active": True,
                "fields": [{"name": f, "version": version} for f in app.subscribed_fields],
            }
        ]
    }


def subscribe(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Set the app's callback after a real ``hub.challenge`` handshake with it."""
    _own_app(ctx, node)
    request = ctx.request
    if (request.text("object") or "") != "page":
        raise errors.invalid_param("param object must be page (the only object the sandbox serves)")
    callback_url = request.text("callback_url") or ""
    if not callback_url.startswith(("http://", "https://")):
        raise errors.invalid_param("param callback_url must be a valid http(s) URL")
    fields = request.names("fields") or []
    if not fields:
        raise errors.invalid_param("The parameter fields is required")
    for name in fields:
        if name not in PAGE_WEBHOOK_FIELDS:
            raise errors.invalid_param(f"Invalid field {name} for object page")
    verify_token = request.text("verify_token") or ""
    timeout = ctx.sandbox.settings["webhook_timeout"]
    with ctx.uow.unlocked():  # the callback may take a while; never hold the write lock meanwhile
        verify_callback(callback_url, verify_token, timeout)
    app = ctx.session.get(App, node.id)
    assert app is not None
    app.callback_url = callback_url
    app.verify_token = verify_token
    app.subscribed_fields = list(dict.fromkeys([*app.subscribed_fields, *fields]))
    health.reset(ctx.session, app.id)
    events.forget_subscriptions(ctx.session, ctx.shared.memo)
    return {"success": True}


def verify_callback(callback_url: str, verify_token: str, timeout: float) -> None:
    """GET the callback with a random challenge; raise 2200 unless it is echoed back with 200."""
    challenge = str(secrets.randbelow(9 * 10**9) + 10**9)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    try:
        response = requests.get(callback_url, params=params, timeout=timeout)
    except requests.RequestException as exc:
        raise _verification_failed(
            f"The URL couldn't be validated. Could not connect: {exc}"
        ) from exc
    if response.status_code != 200:
        raise _verification_failed(f"Received HTTP code: {response.status_code}")
    if response.text != challenge:
        received = response.text[:100]
        raise _verification_failed(
            "The URL couldn't be validated. Response does not match challenge, "
            f'expected value="{challenge}", received="{received}"'
        )


def _verification_failed(detail: str) -> GraphError:
    return GraphError(2200, f"callback verification failed: {detail}")


def unsubscribe(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, bool]:
    """Remove some fields (``fields``) or the whole subscription."""
    app = _own_app(ctx, node)
    fields = ctx.request.names("fields")
    if fields:
        app.subscribed_fields = [f for f in app.subscribed_fields if f not in fields]
    if not fields or not app.subscribed_fields:
        app.callback_url = None
        app.verify_token = None
        app.subscribed_fields = []
    events.forget_subscriptions(ctx.session, ctx.shared.memo)
    return {"success": True}
