"""Assembly of the Graph router from the handler modules."""

from __future__ import annotations

from sandbox.graph import (
    ads,
    ads_insights,
    ads_write,
    apps,
    comments,
    conversations,
    messenger_profile,
    nodes,
    oauth,
    pages,
    posts,
    profile,
    send,
    users,
)
from sandbox.graph.router import GraphRouter


def build_router() -> GraphRouter:
    """Return a router with every Graph handler of the sandbox registered."""
    router = GraphRouter()
    modules = (
        nodes,
        oauth,
        users,
        pages,
        apps,
        send,
        profile,
        posts,
        comments,
        conversations,
        messenger_profile,
        ads,
        ads_write,
        ads_insights,
    )
    for module in modules:
        module.register(router)
    return router
