"""The User Profile API: ``GET /{psid}`` with a Page token of that PSID's Page."""

from __future__ import annotations

from typing import Any

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.pages import avatar_url, check_fields
from sandbox.graph.router import GraphRouter, Node
from sandbox.models import Person, Thread

PROFILE_FIELDS = frozenset(
    {"id", "name", "first_name", "last_name", "profile_pic", "locale", "timezone", "gender"}
)
DEFAULT_FIELDS = ["name", "first_name", "last_name", "profile_pic", "id"]


def register(router: GraphRouter) -> None:
    """Register the profile handler."""
    router.edge("psid", "GET")(get_profile)


def get_profile(ctx: CallContext, node: Node, _rest: list[str]) -> dict[str, Any]:
    """Return a person's profile as the Page sees it (fields with no value are omitted)."""
    auth = ctx.auth
    if not auth.has("pages_messaging"):
        raise errors.missing_messaging_permission("pages_messaging")
    fields = ctx.request.fields(DEFAULT_FIELDS)
    check_fields(fields, PROFILE_FIELDS, "User")
    thread: Thread = node.obj
    person = ctx.session.get(Person, thread.person_id)
    assert person is not None
    values: dict[str, Any] = {
        "id": thread.psid,
        "name": person.name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "profile_pic": avatar_url(ctx, thread.psid),
        "locale": person.locale,
    }
    return {name: values[name] for name in fields if values.get(name) is not None}
