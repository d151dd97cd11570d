"""Growth links: m.me links with a ref per channel, their QR codes and what each brought."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.audience import bp, links
from app.audience.context import workspace_id
from app.audience.forms import GrowthLinkForm
from app.core.auth import page_or_404, role_required, visible_pages
from app.core.models import PageStatus, Role
from app.core.subscribers import growth
from app.extensions import db


@bp.route("/growth-links", methods=["GET", "POST"])
@role_required(Role.MARKETER)
def growth_links() -> BaseResponse | str:
    """Create a link; list every link by Page with its QR code and subscriber count."""
    pages = visible_pages(current_user, include_disconnected=True)
    usable = [page for page in pages if page.status != PageStatus.DISCONNECTED]
    form = GrowthLinkForm()
    form.page_id.choices = [(page.id, page.name) for page in usable]
    error = None
    if form.validate_on_submit():
        page = page_or_404(form.page_id.data, include_disconnected=False)
        try:
            link = growth.create(page, form.name.data or "", form.ref.data or None)
        except growth.GrowthLinkError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(f"Link “{link.name}” created: {link.url}", "success")
            return redirect(url_for("audience.growth_links", _anchor=f"link-{link.id}"))
    groups, counts = links.overview(workspace_id(), pages)
    return render_template(
        "audience/growth_links.html",
        form=form,
        error=error,
        groups=groups,
        counts=counts,
        has_pages=bool(usable),
    )


@bp.post("/growth-links/<int:link_id>/delete")
@role_required(Role.MARKETER)
def growth_link_delete(link_id: int) -> BaseResponse:
    """Delete a link; the subscribers it brought keep their ref."""
    link = growth.get(workspace_id(), link_id)
    if link is None:
        abort(404)
    name = link.name
    growth.delete(link)
    flash(f"Link “{name}” deleted. The subscribers it brought keep their ref.", "success")
    return redirect(url_for("audience.growth_links"))
