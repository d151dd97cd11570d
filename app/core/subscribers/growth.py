"""Growth links: named m.me links with a `ref`; people who arrive through one carry its ref."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin
from app.core.models import Page
from app.core.subscribers.models import Subscriber
from app.extensions import db

# m.me refs are sent back verbatim; keep them to characters every client passes through intact.
REF_PATTERN = re.compile(r"^[A-Za-z0-9_.:=+/-]{1,100}$")


class GrowthLinkError(ValueError):
    """A growth link that cannot be created; the message is for the user."""


class RefTaken(GrowthLinkError):
    """The Page already has a link with this ref."""


class GrowthLink(TimestampMixin, db.Model):
    """An m.me link to a Page with a ref, to see which channel brings subscribers."""

    __tablename__ = "growth_links"
    __table_args__ = (UniqueConstraint("page_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    ref: Mapped[str] = mapped_column(String(100))

    page: Mapped[Page] = relationship()

    @property
    def url(self) -> str:
        """The link people open: https://m.me/<page>?ref=<ref>."""
        return f"{self.page.m_me_link}?{urlencode({'ref': self.ref})}"


def slug(name: str) -> str:
    """A ref made from a link's name ("Summer sale!" -> "summer-sale")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "link"


def create(page: Page, name: str, ref: str | None = None) -> GrowthLink:
    """A new link on `page`; the ref defaults to the name's slug. Commits."""
    name = name.strip()
    if not name:
        raise GrowthLinkError("Give the link a name.")
    ref = (ref or slug(name)).strip()
    if not REF_PATTERN.match(ref):
        raise GrowthLinkError("A ref may use letters, digits and _ . : = + / - (up to 100).")
    taken = RefTaken(f"{page.name} already has a link with the ref “{ref}”.")
    query = select(GrowthLink.id).where(GrowthLink.page_id == page.id, GrowthLink.ref == ref)
    if db.session.scalar(query) is not None:
        raise taken
    link = GrowthLink(workspace_id=page.workspace_id, page=page, name=name, ref=ref)
    db.session.add(link)
    try:
        db.session.commit()
    except IntegrityError as exc:  # another request took the ref meanwhile
        db.session.rollback()
        raise taken from exc
    return link


def get(workspace_id: int, link_id: int) -> GrowthLink | None:
    """A link of the workspace, or None (another workspace's id finds nothing)."""
    link = db.session.get(GrowthLink, link_id)
    return link if link is not None and link.workspace_id == workspace_id else None


def links(workspace_id: int, page_ids: list[int] | None = None) -> list[GrowthLink]:
    """The workspace's links, newest first."""
    query = select(GrowthLink).where(GrowthLink.workspace_id == workspace_id)
    if page_ids is not None:
        query = query.where(GrowthLink.page_id.in_(page_ids))
    return list(db.session.scalars(query.order_by(GrowthLink.id.desc())))


def subscriber_counts(links_: list[GrowthLink]) -> dict[int, int]:
    """How many subscribers each link brought (by Page and ref)."""
    if not links_:
        return {}
    query = (
        select(Subscriber.page_id, Subscriber.ref, func.count())
        .where(
            Subscriber.page_id.in_({link.page_id for link in links_}),
            Subscriber.ref.in_({link.ref for link in links_}),
        )
        .group_by(Subscriber.page_id, Subscriber.ref)
    )
    counts = {(page_id, ref): total for page_id, ref, total in db.session.execute(query)}
    return {link.id: counts.get((link.page_id, link.ref), 0) for link in links_}


def delete(link: GrowthLink) -> None:
    """Remove a link (subscribers keep their ref). Commits."""
    db.session.delete(link)
    db.session.commit()
