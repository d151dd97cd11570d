"""GET /api/v1/pages and /api/v1/pages/{id}: the workspace's connected Facebook Pages."""

from __future__ import annotations

from typing import Any

from app.api import services
from app.api.schemas import PageListSchema, PageSchema, Row
from app.core.api.auth import ApiBlueprint, workspace_id
from app.core.api.errors import api_abort
from app.core.api.pagination import ListArgsSchema

blp = ApiBlueprint(
    "api_pages", __name__, url_prefix="/api/v1/pages", tag="Pages", description="Facebook Pages."
)


@blp.route("")
@blp.arguments(ListArgsSchema, location="query", unknown="raise")
@blp.response(200, PageListSchema)
def list_pages(args: dict[str, Any]) -> dict[str, Any]:
    """List Pages

    Every Page of the workspace in id order, disconnected ones too (see `status`).
    """
    return services.list_pages(workspace_id(), args)


@blp.route("/<int:page_id>")
@blp.response(200, PageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_page(page_id: int) -> Row:
    """Get a Page"""
    page = services.get_page(workspace_id(), page_id)
    if page is None:
        api_abort(404, "No Page with this id.")
    return services.page_row(page)
