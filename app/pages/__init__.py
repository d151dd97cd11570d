"""Pages: connect the Facebook Pages a workspace runs, see their health and Messenger links."""

from __future__ import annotations

import click
from flask import Blueprint, Flask
from flask_login import current_user

from app.core.navigation import NavItem, register_nav
from app.core.permissions import declare_feature

bp = Blueprint("pages", __name__, template_folder="templates", url_prefix="/pages")


def init_app(app: Flask) -> None:
    """Declare the permissions behind connecting Pages, the nav entry and the CLI."""
    declare_feature(
        "pages",
        "Connect Pages",
        ["pages_show_list", "pages_manage_metadata"],
        endpoint="pages.index",
        review_steps=[
            "Log in to Herald and open Pages → “Connect Pages”.",
            "Herald lists every Page you manage, with your tasks on each; tick one and click "
            "“Connect selected Pages”.",
            "The Page appears in the Pages list as Connected, with its subscriber count and its "
            "m.me link; Herald is now subscribed to the Page's messages and feed.",
        ],
    )
    register_nav(
        NavItem(
            "pages",
            "Pages",
            "pages.index",
            "brand-facebook",
            20,
            visible=lambda: current_user.is_authenticated,
            match=("pages.",),
        )
    )
    app.cli.add_command(facebook_cli)


facebook_cli = click.Group("facebook", help="Facebook app setup.")


@facebook_cli.command("register-webhook")
def register_webhook() -> None:
    """Point the Meta app's Page webhook at this Herald's /webhooks/messenger."""
    from app.pages.services import ensure_webhook_registered

    problems = ensure_webhook_registered()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("The app's Page webhook points at this Herald.")


from app.pages import routes  # noqa: E402,F401
