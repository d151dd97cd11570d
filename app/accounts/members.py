"""Workspace members: invitations by email, roles, and the Pages an agent may work on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import security
from app.accounts.models import Invitation
from app.accounts.services import AccountError, check_new_password, normalise_email, user_by_email
from app.core.db import utcnow
from app.core.mail import send_email
from app.core.models import Page, Role, User
from app.core.urls import public_url
from app.extensions import db

INVITATION_DAYS = 7


def members(workspace_id: int) -> list[User]:
    """Everyone in the workspace, owners first."""
    query = select(User).where(User.workspace_id == workspace_id)
    return sorted(db.session.scalars(query), key=lambda u: (u.role.rank, u.name.lower()))


def pending_invitations(workspace_id: int) -> list[Invitation]:
    """Invitations not accepted, revoked or expired."""
    query = select(Invitation).where(
        Invitation.workspace_id == workspace_id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    return list(db.session.scalars(query.order_by(Invitation.created_at.desc())))


def _workspace_pages(workspace_id: int, page_ids: list[int]) -> list[Page]:
    if not page_ids:
        return []
    query = select(Page).where(Page.workspace_id == workspace_id, Page.id.in_(page_ids))
    pages = list(db.session.scalars(query))
    if len(pages) != len(set(page_ids)):
        raise AccountError("Choose Pages of this workspace.")
    return pages


def invite(inviter: User, email: str, role: Role, page_ids: list[int]) -> Invitation:
    """Invite `email` to the inviter's workspace; admins can't create owners."""
    email = normalise_email(email)
    if role == Role.OWNER and inviter.role != Role.OWNER:
        raise AccountError("Only an owner can invite another owner.")
    if user_by_email(email) is not None:
        raise AccountError("This person already has a Herald account.")
    pages = _workspace_pages(inviter.workspace_id, page_ids) if role == Role.AGENT else []
    secret, token_hash = security.new_secret()
    invitation = Invitation(
        workspace_id=inviter.workspace_id,
        email=email,
        role=role,
        page_ids=[page.id for page in pages],
        token_hash=token_hash,
        invited_by=inviter,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.commit()
    send_email(
        email,
        f"{inviter.name} invited you to {inviter.workspace.name} on Herald",
        "invitation",
        workspace_id=inviter.workspace_id,
        invitation=invitation,
        link=public_url("accounts.accept_invitation", token=secret),
    )
    return invitation


def open_invitation(secret: str) -> Invitation:
    """The pending invitation a link's secret names, or AccountError."""
    query = select(Invitation).where(Invitation.token_hash == security.hash_secret(secret))
    invitation = db.session.scalars(query).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise AccountError("This invitation is no longer valid. Ask for a new one.")
    return invitation


def accept(secret: str, name: str, password: str) -> User:
    """Create the invited member's account (their email is proven by the link)."""
    invitation = open_invitation(secret)
    check_new_password(password)
    if user_by_email(invitation.email) is not None:
        raise AccountError("This person already has a Herald account.")
    user = User(
        workspace_id=invitation.workspace_id,
        email=invitation.email,
        name=name.strip(),
        role=invitation.role,
        password_hash=security.hash_password(password),
        email_verified_at=utcnow(),
    )
    user.agent_pages = _workspace_pages(invitation.workspace_id, invitation.page_ids)
    invitation.accepted_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def revoke(actor: User, invitation_id: int) -> None:
    """Withdraw a pending invitation of the actor's workspace."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != actor.workspace_id:
        raise AccountError("No such invitation.")
    invitation.revoked_at = utcnow()
    db.session.commit()


def member_of(actor: User, user_id: int) -> User:
    """A member of the actor's workspace, or AccountError."""
    user = db.session.get(User, user_id)
    if user is None or user.workspace_id != actor.workspace_id:
        raise AccountError("No such member.")
    return user


def _owners(workspace_id: int) -> int:
    query = select(User).where(User.workspace_id == workspace_id, User.role == Role.OWNER)
    return len(list(db.session.scalars(query)))


def update_member(actor: User, user_id: int, role: Role, page_ids: list[int]) -> User:
    """Change a member's role (and, for agents, their Pages)."""
    user = member_of(actor, user_id)
    if Role.OWNER in (role, user.role) and actor.role != Role.OWNER:
        raise AccountError("Only an owner can change an owner or make one.")
    if user.role == Role.OWNER and role != Role.OWNER and _owners(user.workspace_id) == 1:
        raise AccountError("A workspace needs at least one owner.")
    user.role = role
    user.agent_pages = _workspace_pages(actor.workspace_id, page_ids) if role == Role.AGENT else []
    db.session.commit()
    return user


def remove_member(actor: User, user_id: int) -> None:
    """Deactivate a member (their history stays attributed to them)."""
    user = member_of(actor, user_id)
    if user.id == actor.id:
        raise AccountError("You cannot remove yourself.")
    if user.role == Role.OWNER and actor.role != Role.OWNER:
        raise AccountError("Only an owner can remove an owner.")
    user.is_active = False
    user.agent_pages = []
    db.session.commit()
