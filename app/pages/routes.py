"""The Pages list, connecting and disconnecting Pages, and m.me QR codes."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from app.core import subscribers
from app.core.auth import page_or_404, role_required, visible_pages
from app.core.graph import GraphError, TokenInvalid
from app.core.models import PageStatus, Role
from app.pages import bp, services


@bp.get("/")
@login_required
def index() -> str:
    """Connected Pages with their health, subscriber count and m.me link."""
    pages = visible_pages(current_user, include_disconnected=True)
    active = [page for page in pages if page.status != PageStatus.DISCONNECTED]
    disconnected = [page for page in pages if page.status == PageStatus.DISCONNECTED]
    counts = subscribers.count_by_page([page.id for page in pages])
    return render_template(
        "pages/index.html", pages=active, disconnected=disconnected, counts=counts
    )


@bp.get("/connect")
@role_required(Role.ADMIN)
def connect() -> BaseResponse | str:
    """Choose which of the Pages you manage on Facebook to connect."""
    if not current_user.facebook_connected:
        flash("Connect your Facebook account first; Herald will then list your Pages.", "info")
        return redirect(url_for("accounts.facebook_start"))
    try:
        choices = services.choices(current_user)
    except TokenInvalid:
        flash(
            "Facebook no longer accepts Herald's access to your account. Connect again.", "warning"
        )
        return redirect(url_for("accounts.facebook_reconnect"))
    except GraphError as exc:
        flash(f"Facebook did not list your Pages ({exc.message}). Try again shortly.", "danger")
        return redirect(url_for("pages.index"))
    return render_template("pages/connect.html", choices=choices)


@bp.post("/connect")
@role_required(Role.ADMIN)
def connect_selected() -> BaseResponse:
    """Connect the ticked Pages."""
    chosen = request.form.getlist("page")
    if not chosen:
        flash("Tick at least one Page to connect.", "warning")
        return redirect(url_for("pages.connect"))
    try:
        result = services.connect(current_user, chosen)
    except GraphError as exc:
        flash(f"Facebook did not answer ({exc.message}). Nothing was connected.", "danger")
        return redirect(url_for("pages.connect"))
    if result.connected:
        names = ", ".join(page.name for page in result.connected)
        flash(f"Connected: {names}.", "success")
    for message in result.refused:
        flash(message, "danger")
    for message in result.warnings:
        flash(message, "warning")
    return redirect(url_for("pages.index"))


@bp.post("/<int:page_id>/disconnect")
@role_required(Role.ADMIN)
def disconnect(page_id: int) -> BaseResponse:
    """Stop Herald's work on a Page; its subscribers and history stay."""
    page = page_or_404(page_id)
    services.disconnect(page)
    flash(f"{page.name} is disconnected. Its subscribers and history are kept.", "success")
    return redirect(url_for("pages.index"))


@bp.get("/<int:page_id>/qr.svg")
@login_required
def qr_code(page_id: int) -> Response:
    """A QR code of the Page's m.me link (with `?ref=` when given)."""
    page = page_or_404(page_id)
    link = page.m_me_link
    ref = request.args.get("ref", "").strip()
    if ref:
        link = f"{link}?{urlencode({'ref': ref})}"
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, border=2, title=link)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")
