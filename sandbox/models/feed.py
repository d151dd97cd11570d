"""Page posts and their comments (private replies target them)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.models.base import Base


class Post(Base):
    """A post on a Page's feed: by the Page (author_person_id None) or by a visitor."""

    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "{page-id}_{post-suffix}"
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    author_person_id: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None]
    link: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[int]  # epoch ms
    updated_at: Mapped[int]
    is_published: Mapped[bool] = mapped_column(default=True)
    scheduled_publish_time: Mapped[int | None]  # epoch seconds, as Graph takes it
    is_hidden: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    private_reply_mid: Mapped[str | None] = mapped_column(String(100))

    @property
    def suffix(self) -> str:
        """Return the part after the Page id (comment ids are built from it)."""
        return self.id.split("_", 1)[1]


class Comment(Base):
    """A comment on a post, or a reply to a comment (``parent_id``)."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # "{post-suffix}_{comment}"
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(80))
    page_id: Mapped[str] = mapped_column(String(32))
    author_person_id: Mapped[str | None] = mapped_column(String(32))  # None: the Page itself
    message: Mapped[str | None]
    created_at: Mapped[int]  # epoch ms
    updated_at: Mapped[int]
    is_hidden: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    private_reply_mid: Mapped[str | None] = mapped_column(String(100))
