"""Request helpers shared by the audience views: the workspace, its time zone, form choices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TypeVar

from flask import abort, request
from flask_login import current_user

from app.audience import services
from app.audience.filters import OPERATOR_LABELS, SOURCE_LABELS, WINDOW_LABELS, FilterInput
from app.core.auth import visible_pages
from app.core.display import zone_for
from app.core.models import Page
from app.core.subscribers import edits

T = TypeVar("T")


def workspace_id() -> int:
    """The signed-in user's workspace: the scope of every query here."""
    return current_user.workspace_id


def zone() -> tzinfo:
    """The workspace's time zone."""
    return zone_for(current_user.workspace.timezone)


def or_404(find: Callable[..., T], *args: object) -> T:
    """Call a service lookup; an id outside the workspace answers 404."""
    try:
        return find(*args)
    except services.NotFound:
        abort(404)


def resolve_request() -> services.Resolved:
    """The filter the current request's query string asks for (404 for a foreign segment)."""
    return or_404(services.resolve, workspace_id(), request.args, zone())


@dataclass(frozen=True)
class FilterOptions:
    """The choices the filter form offers."""

    pages: list[Page]
    tags: list[str]
    fields: list[str]
    refs: list[str]
    windows: tuple[tuple[str, str], ...] = tuple(WINDOW_LABELS.items())
    sources: tuple[tuple[str, str], ...] = tuple(SOURCE_LABELS.items())
    operators: tuple[tuple[str, str], ...] = tuple(OPERATOR_LABELS.items())

    @property
    def page_choices(self) -> list[tuple[int, str]]:
        """(id, name) of each Page."""
        return [(page.id, page.name) for page in self.pages]

    @property
    def tag_choices(self) -> list[tuple[str, str]]:
        """(tag, tag) of each tag."""
        return [(tag, tag) for tag in self.tags]

    @property
    def page_names(self) -> dict[int, str]:
        """Page names by id, for describing filters."""
        return {page.id: page.name for page in self.pages}


def filter_options(form: FilterInput) -> FilterOptions:
    """Pages, tags, field names and refs to pick from (plus whatever the form already uses)."""
    tags = set(edits.known_tags(workspace_id()))
    tags.update(form.tags_any + form.tags_all + form.tags_none)
    fields = set(edits.known_fields(workspace_id()))
    fields.update(condition.name for condition in form.fields)
    return FilterOptions(
        pages=visible_pages(current_user),
        tags=sorted(tags),
        fields=sorted(fields),
        refs=edits.known_refs(workspace_id()),
    )
