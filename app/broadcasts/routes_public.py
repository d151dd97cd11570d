"""Public addresses of broadcasts: tracked links people tap, and media Facebook fetches.

Neither needs a session. A tracked link only redirects to the URL stored in its broadcast, so a
forged or altered token is a 404 and Herald can never be made to redirect anywhere else.
"""

from __future__ import annotations

from flask import Response, abort, redirect, request
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.broadcasts import bp, links, links_bp, webhooks
from app.broadcasts.models import Broadcast, BroadcastFile, BroadcastRecipient
from app.core.db import utcnow
from app.extensions import db


@links_bp.get("/b/<token>")
def follow(token: str) -> BaseResponse:
    """Count the tap of a link button, then go where the broadcast's button points."""
    parsed = links.read_token(token)
    if parsed is None:
        abort(404)
    broadcast_id, recipient_id, ref = parsed
    broadcast = db.session.get(Broadcast, broadcast_id)
    url = links.destination(broadcast.message, ref) if broadcast is not None else None
    if url is None:
        abort(404)
    recipient = db.session.get(BroadcastRecipient, recipient_id) if recipient_id else None
    if (
        recipient is not None
        and recipient.broadcast_id == broadcast_id
        and not links.is_crawler(request.headers.get("User-Agent"))
    ):
        webhooks.record_click(broadcast_id, recipient.subscriber_id, utcnow())
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "no-store"  # every tap must reach Herald to be counted
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/files/<token>/<filename>")
def media_file(token: str, filename: str) -> Response:
    """An uploaded broadcast file, for Facebook to fetch (the token is the secret)."""
    row = db.session.scalar(select(BroadcastFile).where(BroadcastFile.token == token))
    if row is None or row.filename != filename:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = f'inline; filename="{row.filename}"'
    # Whatever the file claims to be, it never runs anything on Herald's origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
