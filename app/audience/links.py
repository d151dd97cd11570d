"""Growth links as the page shows them: grouped by Page, each with what it brought."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.models import Page
from app.core.subscribers import growth
from app.core.subscribers.growth import GrowthLink


@dataclass(frozen=True)
class PageLinks:
    """One Page's links, newest first."""

    page: Page
    links: list[GrowthLink]


def overview(workspace_id: int, pages: list[Page]) -> tuple[list[PageLinks], dict[int, int]]:
    """The links of `pages` grouped by Page (Pages by name), and subscribers per link id."""
    links = growth.links(workspace_id, [page.id for page in pages])
    by_page: dict[int, list[GrowthLink]] = {}
    for link in links:  # growth.links is newest first; grouping keeps that order
        by_page.setdefault(link.page_id, []).append(link)
    groups = [PageLinks(page, by_page[page.id]) for page in pages if page.id in by_page]
    groups.sort(key=lambda group: (group.page.name.lower(), group.page.id))
    return groups, growth.subscriber_counts(links)
