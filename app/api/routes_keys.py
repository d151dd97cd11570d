"""The dashboard's API keys page (owners and admins): list, create (shown once), revoke."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.api import bp
from app.api.forms import ApiKeyForm
from app.core.api import keys
from app.core.auth import role_required
from app.core.models import Role


def _render(form: ApiKeyForm, new_key: str | None = None, status: int = 200) -> Response:
    response = make_response(
        render_template(
            "api/keys.html",
            form=form,
            keys=keys.keys(current_user.workspace_id),
            new_key=new_key,
            key_prefix=keys.KEY_PREFIX,
        ),
        status,
    )
    # The page may carry a full key: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/settings/api-keys")
@role_required(Role.ADMIN)
def keys_page() -> Response:
    """The workspace's API keys and the form to create one."""
    return _render(ApiKeyForm())


@bp.post("/settings/api-keys")
@role_required(Role.ADMIN)
def create_key() -> Response:
    """Create a key and show it, this once (it is rendered, never stored or redirected)."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    _key, full_key = keys.create(current_user, form.name.data)
    return _render(ApiKeyForm(formdata=None), new_key=full_key)


@bp.post("/settings/api-keys/<int:key_id>/revoke")
@role_required(Role.ADMIN)
def revoke_key(key_id: int) -> Response:
    """Revoke a key: the API refuses it from the next request on."""
    if keys.revoke(current_user.workspace_id, key_id):
        flash("The key was revoked.", "success")
    else:
        flash("There is no such key.", "danger")
    return redirect(url_for("api.keys_page"))
