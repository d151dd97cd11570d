"""Media for broadcasts: files marketers upload, and the Page's reusable attachments.

An uploaded file is kept in the database and served from an unguessable public URL, because
Facebook fetches media by URL. Before a media broadcast starts, the media is uploaded once per Page
through `message_attachments`; every recipient's message then names the attachment id instead of
making Facebook fetch the file again for each person.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.utils import secure_filename

from app.broadcasts.models import BroadcastAttachment, BroadcastFile
from app.core.db import insert_ignore, utcnow
from app.core.facebook import graph_for
from app.core.models import Page
from app.extensions import db

MAX_FILE_BYTES = 25 * 1024 * 1024  # Messenger's limit; the request size limit usually bites first
ALLOWED_PREFIXES = ("image/", "video/", "audio/")
ALLOWED_FILES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class MediaError(ValueError):
    """A file that cannot be used; the message is for the marketer."""


def media_type_of(content_type: str) -> str:
    """image, video, audio or file, from a MIME type."""
    for kind in ("image", "video", "audio"):
        if content_type.startswith(f"{kind}/"):
            return kind
    return "file"


def store_file(
    workspace_id: int, filename: str, content_type: str | None, data: bytes
) -> BroadcastFile:
    """Keep an uploaded file for the workspace's broadcasts. Commits; raises MediaError."""
    name = secure_filename(filename or "") or "file"
    kind = (content_type or mimetypes.guess_type(name)[0] or "").split(";")[0].strip().lower()
    # SVG can carry scripts, and these files are served from Herald's own address.
    allowed = kind.startswith(ALLOWED_PREFIXES) and kind != "image/svg+xml"
    if not (allowed or kind in ALLOWED_FILES):
        raise MediaError("Upload an image, a video, an audio clip, a PDF or an office document.")
    if not data:
        raise MediaError("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise MediaError("Messenger accepts files up to 25 MB.")
    row = BroadcastFile(
        workspace_id=workspace_id,
        token=secrets.token_urlsafe(24),
        filename=name[:200],
        content_type=kind,
        size=len(data),
        data=data,
    )
    db.session.add(row)
    db.session.commit()
    return row


def get_file(workspace_id: int, file_id: int) -> BroadcastFile | None:
    """A file of the workspace (another workspace's id finds nothing)."""
    row = db.session.get(BroadcastFile, file_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def file_url(row: BroadcastFile) -> str:
    """The public address Facebook fetches the file from."""
    return f"{current_app.config['PUBLIC_URL']}/broadcasts/files/{row.token}/{row.filename}"


def source_url(workspace_id: int, media: dict[str, Any]) -> str | None:
    """The URL of the content's media: the uploaded file's, or the one given."""
    if media.get("file_id"):
        row = get_file(workspace_id, int(media["file_id"]))
        return file_url(row) if row is not None else None
    return media.get("url") or None


def _hash(media_type: str, url: str) -> str:
    return hashlib.sha256(f"{media_type} {url}".encode()).hexdigest()


def cached_attachment(page_id: int, media_type: str, url: str) -> str | None:
    """The Page's attachment id for this media, if it was uploaded before."""
    query = select(BroadcastAttachment.attachment_id).where(
        BroadcastAttachment.page_id == page_id,
        BroadcastAttachment.url_hash == _hash(media_type, url),
    )
    return db.session.scalar(query)


def ensure_attachment(page: Page, media_type: str, url: str) -> str:
    """Upload the media to the Page once and return its attachment id. Commits.

    Raises GraphError (or PageUnavailable) when Facebook cannot take it.
    """
    cached = cached_attachment(page.id, media_type, url)
    if cached is not None:
        return cached
    attachment_id = graph_for(page).upload_attachment(page.facebook_page_id, media_type, url)
    # Two starts racing upload twice at worst; the first stored id wins, both ids work.
    insert_ignore(
        BroadcastAttachment.__table__,
        {
            "page_id": page.id,
            "url_hash": _hash(media_type, url),
            "url": url,
            "media_type": media_type,
            "attachment_id": attachment_id,
            "created_at": utcnow(),
        },
        ["page_id", "url_hash"],
    )
    db.session.commit()
    return cached_attachment(page.id, media_type, url) or attachment_id


def media_payload(page: Page, content: dict[str, Any]) -> dict[str, Any]:
    """What a media message's payload names: the uploaded attachment, else the URL."""
    media = content.get("media") or {}
    url = source_url(page.workspace_id, media)
    if url is None:
        return {}
    attachment_id = cached_attachment(page.id, media.get("type", "image"), url)
    if attachment_id is not None:
        return {"attachment_id": attachment_id}
    return {"url": url, "is_reusable": True}
