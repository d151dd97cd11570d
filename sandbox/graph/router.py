"""Routing of Graph paths: fixed paths (``oauth/access_token``) and node edges (``{id}/messages``).

A path's first segment names a node (``me``, a numeric id, a Page username); resolvers registered
in order turn it into a :class:`Node` the token may see. Handlers are registered per
(node kind, method, edge); feature modules add theirs through ``register(router)`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox import errors
from sandbox.graph.context import CallContext
from sandbox.graph.request import GraphRequest

NODE_TYPE_NAMES = {
    "page": "Page",
    "user": "User",
    "psid": "User",
    "app": "Application",
    "post": "Post",
    "comment": "Comment",
    "conversation": "Conversation",
    "adaccount": "AdAccount",
    "campaign": "Campaign",
    "adset": "AdSet",
    "adcreative": "AdCreative",
    "ad": "Ad",
}


@dataclass
class Node:
    """A resolved Graph object: its kind, its id as addressed and the model row."""

    kind: str
    id: str
    obj: Any

    @property
    def type_name(self) -> str:
        """Return the node type Graph names in its errors."""
        return NODE_TYPE_NAMES.get(self.kind, self.kind.title())


Preloader = Callable[[CallContext, list[GraphRequest]], None]
FixedHandler = Callable[[CallContext], Any]
EdgeHandler = Callable[[CallContext, Node, list[str]], Any]
Resolver = Callable[[CallContext, str], Node | None]


class GraphRouter:
    """Maps Graph calls to handlers."""

    def __init__(self) -> None:
        self._fixed: dict[tuple[str, str], FixedHandler] = {}
        self._edges: dict[tuple[str, str, str | None], tuple[EdgeHandler, bool]] = {}
        self._resolvers: list[Resolver] = []
        self._preloaders: list[Preloader] = []

    def fixed(self, method: str, path: str) -> Callable[[FixedHandler], FixedHandler]:
        """Register a handler for an exact path such as ``oauth/access_token``."""

        def decorate(fn: FixedHandler) -> FixedHandler:
            """Record the handler."""
            self._fixed[(method, path)] = fn
            return fn

        return decorate

    def edge(
        self, kind: str, method: str, edge: str | None = None, *, deeper: bool = False
    ) -> Callable[[EdgeHandler], EdgeHandler]:
        """Register a handler for ``{node}`` (edge None) or ``{node}/{edge}`` of a node kind.

        ``deeper`` lets the handler take further path segments (``me/permissions/{perm}``).
        """

        def decorate(fn: EdgeHandler) -> EdgeHandler:
            """Record the handler."""
            self._edges[(kind, method, edge)] = (fn, deeper)
            return fn

        return decorate

    def resolver(self, fn: Resolver) -> Resolver:
        """Register a node resolver; resolvers are tried in registration order."""
        self._resolvers.append(fn)
        return fn

    def preloader(self, fn: Preloader) -> Preloader:
        """Register a batch preloader: it may load (and pin) rows the operations will need."""
        self._preloaders.append(fn)
        return fn

    def preload(self, ctx: CallContext, operations: list[GraphRequest]) -> None:
        """Let every preloader look at a batch's operations before they run."""
        for preload in self._preloaders:
            preload(ctx, operations)

    def dispatch(self, ctx: CallContext) -> Any:
        """Run the handler for the call, raising the Graph error for unknown paths."""
        request = ctx.request
        method, segments = request.method, request.segments
        fixed = self._fixed.get((method, "/".join(segments)))
        if fixed is not None:
            return fixed(ctx)
        if not segments:
            raise errors.invalid_param("The parameter id is required")
        _ = ctx.auth  # token errors come before anything about the path
        node = self.resolve(ctx, segments[0])
        edge = segments[1] if len(segments) > 1 else None
        entry = self._edges.get((node.kind, method, edge))
        if entry is None:
            if edge is not None and method == "GET":
                raise errors.nonexisting_field(edge, node.type_name)
            raise errors.unsupported_request(method, segments[0])
        handler, deeper = entry
        rest = segments[2:]
        if rest and not deeper:
            raise errors.unknown_path("/".join(segments[1:]))
        return handler(ctx, node, rest)

    def resolve(self, ctx: CallContext, ident: str) -> Node:
        """Return the node ``ident`` names for this caller, or raise 100/33 (or 2500 for me)."""
        for resolve in self._resolvers:
            node = resolve(ctx, ident)
            if node is not None:
                ctx.shared.pinned.append(node.obj)
                if node.kind in ("page", "psid"):
                    ctx.page_id = node.obj.page_id if node.kind == "psid" else node.id
                return node
        raise errors.unsupported_request(ctx.request.method, ident)
