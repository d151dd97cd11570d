"""Control API: what people do to their own comments (edit, remove)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from sandbox.control.common import ControlError, body, deliver, get_or_404, sandbox, text
from sandbox.models import Comment, Page
from sandbox.services import comments

bp = Blueprint("control_feed", __name__, url_prefix="/_sandbox")


def _own_comment(session: object, comment_id: str) -> tuple[Comment, Page]:
    comment = get_or_404(session, Comment, comment_id, "comment")
    if comment.deleted:
        raise ControlError(409, "this comment was deleted")
    if comment.author_person_id is None:
        raise ControlError(409, "this comment is the Page's: the Page changes it through Graph")
    return comment, get_or_404(session, Page, comment.page_id, "page")


@bp.post("/comments/<comment_id>/edit")
def edit_comment(comment_id: str) -> Response:
    """The comment's author changes its text: ``{message}`` (an ``edited`` feed change)."""
    message = text(body(), "message", required=True)
    assert message is not None
    sb = sandbox()
    with sb.db.write() as session:
        comment, page = _own_comment(session, comment_id)
        event_ids = comments.edit_comment(
            session, page, comment, message, sb.now_ms(), {}, inflight=True
        )
    return jsonify({"comment_id": comment_id, **deliver(event_ids)})


@bp.post("/comments/<comment_id>/remove")
def remove_comment(comment_id: str) -> Response:
    """The comment's author deletes it (a ``remove`` feed change)."""
    sb = sandbox()
    with sb.db.write() as session:
        comment, page = _own_comment(session, comment_id)
        event_ids = comments.remove_comment(session, page, comment, sb.now_ms(), {}, inflight=True)
    return jsonify({"comment_id": comment_id, **deliver(event_ids)})
