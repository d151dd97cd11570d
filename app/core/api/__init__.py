"""What every REST API resource is built on: key authentication, errors, pagination, and the
registry through which features publish their resources under /api/v1."""

from __future__ import annotations

from app.core.api.auth import ApiBlueprint

API_BLUEPRINTS: dict[str, ApiBlueprint] = {}


def register_api(blueprint: ApiBlueprint) -> None:
    """Publish a feature's API resource (served and documented by the API feature)."""
    API_BLUEPRINTS[blueprint.name] = blueprint
