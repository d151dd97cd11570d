"""Members of the workspace and their invitations (owners and admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts import bp, forms, members
from app.accounts.services import AccountError
from app.core.auth import role_required, visible_pages
from app.core.models import Role


def _page_choices() -> list[SelectChoice]:
    return [SelectChoice(page.id, page.name) for page in visible_pages(current_user)]


@bp.get("/members")
@role_required(Role.ADMIN)
def members_page() -> str:
    """The workspace's members, pending invitations and the invite form."""
    form = forms.InviteForm()
    form.pages.choices = _page_choices()
    return render_template(
        "accounts/members.html",
        form=form,
        members=members.members(current_user.workspace_id),
        invitations=members.pending_invitations(current_user.workspace_id),
        page_choices=_page_choices(),
        Role=Role,
    )


@bp.post("/members/invite")
@role_required(Role.ADMIN)
def invite() -> Response | str:
    """Send an invitation."""
    form = forms.InviteForm()
    form.pages.choices = _page_choices()
    if form.validate_on_submit():
        try:
            members.invite(current_user, form.email.data, Role(form.role.data), form.pages.data)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"Invitation sent to {form.email.data}.", "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(errors), "danger")
    return redirect(url_for("accounts.members_page"))


@bp.post("/members/<int:user_id>")
@role_required(Role.ADMIN)
def update_member(user_id: int) -> Response:
    """Change a member's role and Pages."""
    form = forms.MemberForm()
    form.pages.choices = _page_choices()
    if form.validate_on_submit():
        try:
            user = members.update_member(
                current_user, user_id, Role(form.role.data), form.pages.data
            )
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{user.name} is now {user.role.value}.", "success")
    return redirect(url_for("accounts.members_page"))


@bp.post("/members/<int:user_id>/remove")
@role_required(Role.ADMIN)
def remove_member(user_id: int) -> Response:
    """Take someone out of the workspace."""
    try:
        members.remove_member(current_user, user_id)
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        flash("The member was removed.", "success")
    return redirect(url_for("accounts.members_page"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@role_required(Role.ADMIN)
def revoke_invitation(invitation_id: int) -> Response:
    """Withdraw a pending invitation."""
    try:
        members.revoke(current_user, invitation_id)
    except AccountError as exc:
        flash(str(exc), "danger")
    else:
        flash("The invitation was withdrawn.", "success")
    return redirect(url_for("accounts.members_page"))
