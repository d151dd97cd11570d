"""Accounts: sign up, verify the email, log in, reset a forgotten password."""

from __future__ import annotations

from flask_login import login_user
from sqlalchemy import func, select

from app.accounts import security
from app.core.db import utcnow
from app.core.mail import send_email
from app.core.models import Role, User, Workspace
from app.core.urls import public_url
from app.extensions import db

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request about an account that cannot be honoured; the message is for the user."""


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    """The user with this email, if any."""
    query = select(User).where(func.lower(User.email) == normalise_email(email))
    return db.session.scalars(query).first()


def _load_user(user_id: object) -> User | None:
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def check_new_password(password: str) -> None:
    """Refuse passwords too short to be safe."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters for your password.")


def signup(email: str, password: str, name: str, business_name: str) -> User:
    """Create a workspace and its owner, then email a verification link."""
    email = normalise_email(email)
    check_new_password(password)
    if user_by_email(email) is not None:
        raise AccountError("An account with this email already exists. Log in instead.")
    workspace = Workspace(name=business_name.strip() or f"{name.strip()}'s business")
    user = User(
        workspace=workspace,
        email=email,
        name=name.strip(),
        role=Role.OWNER,
        password_hash=security.hash_password(password),
    )
    db.session.add_all([workspace, user])
    db.session.commit()
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Email `user` a link that proves they own their address."""
    token = security.make_link_token(user, security.VERIFY_EMAIL)
    send_email(
        user.email,
        "Confirm your email for Herald",
        "verify_email",
        workspace_id=user.workspace_id,
        user=user,
        link=public_url("accounts.verify_email", token=token),
    )


def verify_email(token: str) -> User:
    """Mark the email of the user the link names as verified."""
    user = security.read_link_token(token, security.VERIFY_EMAIL, _load_user)
    if user is None:
        raise AccountError("This confirmation link is invalid or has expired. Send a new one.")
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials, or AccountError (never saying which was wrong)."""
    user = user_by_email(email)
    if not security.check_password(user, password) or user is None or not user.is_active:
        raise AccountError("That email and password do not match an account.")
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Log `user` in for this browser and record when."""
    login_user(user, remember=remember)
    user.last_login_at = utcnow()
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no account probing)."""
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    token = security.make_link_token(user, security.RESET_PASSWORD)
    send_email(
        user.email,
        "Reset your Herald password",
        "reset_password",
        workspace_id=user.workspace_id,
        user=user,
        link=public_url("accounts.reset_password", token=token),
    )


def user_for_reset(token: str) -> User:
    """The user a reset link names, or AccountError."""
    user = security.read_link_token(token, security.RESET_PASSWORD, _load_user)
    if user is None:
        raise AccountError(
            "This reset link is invalid, expired or already used. Ask for a new one."
        )
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link (which then stops working)."""
    user = user_for_reset(token)
    check_new_password(password)
    user.password_hash = security.hash_password(password)
    # Receiving the link proves the address too.
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.commit()
    return user


def rename(user: User, name: str) -> None:
    """Change the name colleagues and customers' conversations show for `user`."""
    name = name.strip()
    if not name:
        raise AccountError("Your name cannot be empty.")
    user.name = name[:120]
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Change a signed-in user's password after checking the current one.

    Every other browser signed in as `user` is signed out (sessions carry the password's key);
    this one stays signed in.
    """
    if user.password_hash and not security.check_password(user, current):
        raise AccountError("Your current password is not correct.")
    check_new_password(new)
    user.password_hash = security.hash_password(new)
    db.session.commit()
    login_user(user)  # this browser stays signed in; every other one is signed out
