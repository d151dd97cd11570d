"""Build the App Review submission from the permission registry and the features' declarations."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.core import permissions
from app.core.permissions import Kind, Permission


@dataclass(frozen=True)
class ReviewItem:
    """One permission or feature to submit: why Herald needs it and how to see it work."""

    permission: Permission
    features: list[str]
    steps: list[str]


@dataclass(frozen=True)
class ReviewKit:
    """Everything the App Review page shows."""

    app_url: str
    items: list[ReviewItem]


def _steps_for(name: str) -> list[str]:
    steps: list[str] = []
    for feature in permissions.features_using(name):
        steps.extend(step for step in feature.review_steps if step not in steps)
    return steps


def build_kit() -> ReviewKit:
    """Requested permissions and the App Review features, each with numbered test steps."""
    requested = set(permissions.requested_permissions())
    items = [
        ReviewItem(
            permission=permission,
            features=[feature.title for feature in permissions.features_using(permission.name)],
            steps=_steps_for(permission.name),
        )
        for permission in permissions.PERMISSIONS.values()
        if permission.name in requested
        or (permission.kind == Kind.FEATURE and permissions.features_using(permission.name))
    ]
    return ReviewKit(app_url=current_app.config["PUBLIC_URL"], items=items)
