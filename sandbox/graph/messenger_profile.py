"""The Messenger Profile API: ``/{page-id}/messenger_profile`` (and ``/me/...`` with a Page token).

POST sets properties, GET reads the ones named in ``fields``, DELETE removes the ones named in
``fields``; writes answer ``{"result":"success"}``. The Get Started payload set here is what a
new conversation's Get Started postback carries. Needs ``pages_messaging`` and the MESSAGING
task, as the reference lists the Messenger Profile under ``pages_messaging``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Page

PROPERTIES = (
    "get_started",
    "greeting",
    "persistent_menu",
    "ice_breakers",
    "whitelisted_domains",
    "account_linking_url",
)
GREETING_MAX = 160
PAYLOAD_MAX = 1000
MENU_ITEMS_MAX = 20
ICE_BREAKERS_MAX = 4
DOMAINS_MAX = 50


def register(router: GraphRouter) -> None:
    """Register the Messenger Profile handlers."""
    router.edge("page", "POST", "messenger_profile")(set_profile)
    router.edge("page", "GET", "messenger_profile")(get_profile)
    router.edge("page", "DELETE", "messenger_profile")(delete_profile)


def _profile_auth(ctx: CallContext, node: Node) -> Page:
    auth = ctx.auth
    auth.require_page_token()
    if auth.page_id != node.id:
        raise errors.unsupported_request(ctx.request.method, node.id)
    if not auth.has("pages_messaging"):
        raise errors.missing_messaging_permission("pages_messaging")
    auth.require_task("MESSAGING")
    return node.obj


def _bad(message: str) -> errors.GraphError:
    return errors.invalid_param(message)


def _https(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.startswith("https://"):
        raise _bad(f"{name} must be an https URL")
    return value


def _locales(value: Any, name: str, check: Callable[[dict[str, Any]], None]) -> list[Any]:
    """Validate a per-locale list that must include the ``default`` locale."""
    if not isinstance(value, list) or not value:
        raise _bad(f"param {name} must be a non-empty array")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("locale"), str):
            raise _bad(f"param {name} items must be objects with a locale")
        check(item)
    if not any(item["locale"] == "default" for item in value):
        raise _bad(f"param {name} must include an entry for the default locale")
    return value


def _get_started(value: Any) -> dict[str, str]:
    payload = value.get("payload") if isinstance(value, dict) else None
    if not isinstance(payload, str) or not payload or len(payload) > PAYLOAD_MAX:
        raise _bad(f"param get_started[payload] must be a string of 1 to {PAYLOAD_MAX} characters")
    return {"payload": payload}


def _greeting_item(item: dict[str, Any]) -> None:
    text = item.get("text")
    if not isinstance(text, str) or not text or len(text) > GREETING_MAX:
        raise _bad(f"param greeting[text] must be a string of 1 to {GREETING_MAX} characters")


def _menu_item(item: dict[str, Any]) -> None:
    actions = item.get("call_to_actions")
    if item.get("composer_input_disabled") and not actions:
        return
    if not isinstance(actions, list) or not 1 <= len(actions) <= MENU_ITEMS_MAX:
        raise _bad(f"param persistent_menu[call_to_actions] must have 1 to {MENU_ITEMS_MAX} items")
    for action in actions:
        kind = action.get("type") if isinstance(action, dict) else None
        if kind not in ("postback", "web_url") or not action.get("title"):
            raise _bad("persistent_menu items must be postback or web_url buttons with a title")
        if kind == "web_url" and not str(action.get("url", "")).startswith(("http://", "https://")):
            raise _bad("a web_url menu item needs a url")
        if kind == "postback" and not action.get("payload"):
            raise _bad("a postback menu item needs a payload")


def _ice_breakers(value: Any) -> list[Any]:
    """Accept the localized form ``[{call_to_actions, locale}]`` or the older flat form."""
    if not isinstance(value, list) or not value:
        raise _bad("param ice_breakers must be a non-empty array")
    localized = all(isinstance(v, dict) and "call_to_actions" in v for v in value)
    groups = [v["call_to_actions"] for v in value] if localized else [value]
    for questions in groups:
        if not isinstance(questions, list) or not 1 <= len(questions) <= ICE_BREAKERS_MAX:
            raise _bad(f"ice_breakers can have 1 to {ICE_BREAKERS_MAX} questions per locale")
        for item in questions:
            if not isinstance(item, dict) or not item.get("question") or not item.get("payload"):
                raise _bad("each ice breaker needs a question and a payload")
    return value


def _domains(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= DOMAINS_MAX:
        raise _bad(f"param whitelisted_domains must have 1 to {DOMAINS_MAX} items")
    return [_https(v, "whitelisted_domains items") for v in value]


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "get_started": _get_started,
    "greeting": lambda v: _locales(v, "greeting", _greeting_item),
    "persistent_menu": lambda v: _locales(v, "persistent_menu", _menu_item),
    "ice_breakers": _ice_breakers,
    "whitelisted_domains": _domains,
    "account_linking_url": lambda v: _https(v, "account_linking_url"),
}


def set_profile(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Set one or more properties (the others keep their values)."""
    page = _profile_auth(ctx, node)
    changes = {
        name: VALIDATORS[name](ctx.request.obj(name))
        for name in PROPERTIES
        if ctx.request.params.get(name) is not None
    }
    if not changes:
        raise _bad(f"Requires one of the params: {', '.join(PROPERTIES)}")
    profile = {**(page.messenger_profile or {}), **changes}
    if "persistent_menu" in profile and "get_started" not in profile:
        raise _bad("You must set a Get Started button if you also wish to use persistent menu.")
    page.messenger_profile = profile  # reassigned: JSON columns do not track in-place changes
    return {"result": "success"}


def _named_fields(ctx: CallContext) -> list[str]:
    names = ctx.request.names("fields")
    if not names:
        raise _bad("The parameter fields is required")
    for name in names:
        if name not in PROPERTIES:
            raise _bad(f'param fields must be one of {{{", ".join(PROPERTIES)}}} - got "{name}"')
    return names


def get_profile(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return the requested properties that are set, as ``{"data":[{...}]}``."""
    page = _profile_auth(ctx, node)
    profile = page.messenger_profile or {}
    found = {name: profile[name] for name in _named_fields(ctx) if name in profile}
    return {"data": [found] if found else []}


def delete_profile(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, str]:
    """Remove the properties named in ``fields``."""
    page = _profile_auth(ctx, node)
    names = _named_fields(ctx)
    profile = {k: v for k, v in (page.messenger_profile or {}).items() if k not in names}
    if "persistent_menu" in profile and "get_started" not in profile:
        raise _bad("You must remove the persistent menu before removing the Get Started button.")
    page.messenger_profile = profile
    return {"result": "success"}
