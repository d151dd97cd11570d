"""/api/v1/growth-links: m.me links with a ref, to see which channel brings subscribers."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api import services
from app.api.schemas import GrowthLinkCreateSchema, GrowthLinkListSchema, GrowthLinkSchema, Row
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.api.pagination import ListArgsSchema
from app.core.subscribers import growth
from app.core.subscribers.growth import GrowthLink, GrowthLinkError, RefTaken

blp = ApiBlueprint(
    "api_growth_links",
    __name__,
    url_prefix="/api/v1/growth-links",
    tag="Growth links",
    description="m.me links with a ref.",
)


def _link_or_404(link_id: int) -> GrowthLink:
    link = services.get_growth_link(workspace_id(), link_id)
    if link is None:
        api_abort(404, "No growth link with this id.")
    return link


@blp.route("")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, GrowthLinkListSchema)
def list_links(args: dict[str, Any]) -> dict[str, Any]:
    """List growth links

    In id order, each with the number of subscribers who arrived through it.
    """
    return services.list_growth_links(workspace_id(), args)


@blp.route("", methods=["POST"])
@blp.arguments(GrowthLinkCreateSchema)
@blp.response(201, GrowthLinkSchema)
@blp.alt_response(409, response="CONFLICT")
def create_link(data: dict[str, Any]) -> Row:
    """Create a growth link

    `page_id` must be a Page of the workspace (else 422). `ref` defaults to the name's slug;
    a ref the Page already uses answers 409, an invalid one 422.
    """
    page = services.get_page(workspace_id(), data["page_id"])
    if page is None:
        api_abort(422, "No Page with this id.", {"page_id": ["No Page with this id."]})
    try:
        link = services.create_growth_link(page, data["name"], data["ref"])
    except RefTaken as exc:
        api_abort(409, str(exc), {"ref": [str(exc)]})
    except GrowthLinkError as exc:
        api_abort(422, str(exc))
    return services.growth_link_row(link)


@blp.route("/<int:link_id>")
@blp.response(200, GrowthLinkSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_link(link_id: int) -> Row:
    """Get a growth link"""
    return services.growth_link_row(_link_or_404(link_id))


@blp.route("/<int:link_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def delete_link(link_id: int) -> Response:
    """Delete a growth link

    Subscribers who arrived through it keep their ref.
    """
    growth.delete(_link_or_404(link_id))
    return Response(status=204)
