"""Accounts: sign-up, login, Facebook Login, members, permissions, Facebook's callbacks."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import current_user

from app.core.models import Role
from app.core.navigation import NavItem, register_nav
from app.core.permissions import declare_feature

bp = Blueprint("accounts", __name__, template_folder="templates")


def _admin() -> bool:
    return current_user.is_authenticated and current_user.can(Role.ADMIN)


def init_app(app: Flask) -> None:
    """Declare what accounts need from Facebook and add the admin entries."""
    declare_feature(
        "accounts",
        "Log in with Facebook",
        ["public_profile", "email"],
        endpoint="accounts.permissions",
        review_steps=[
            "Open Herald's login page and click “Continue with Facebook”.",
            "Approve the Facebook dialog. Herald creates your account with your name and email "
            "(the email identifies the Facebook account; Herald never sends mail to it).",
            "Open Administration → Facebook permissions: your name and each permission's status "
            "are shown.",
        ],
    )
    register_nav(
        NavItem("members", "Members", "accounts.members_page", "users", 910, "admin", _admin)
    )
    register_nav(
        NavItem(
            "permissions",
            "Facebook permissions",
            "accounts.permissions",
            "shield-check",
            920,
            "admin",
            lambda: current_user.is_authenticated,
        )
    )
    register_nav(
        NavItem(
            "app_review",
            "App Review",
            "accounts.app_review",
            "clipboard-check",
            930,
            "admin",
            _admin,
        )
    )


from app.accounts import (  # noqa: E402,F401
    routes,
    routes_facebook,
    routes_members,
    routes_profile,
    routes_review,
)
