"""Members, roles and invitations; nobody reaches another workspace's people."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Invitation
from app.core.mail import Email
from app.core.models import Role, User
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import PageFactory, UserFactory


def invitation_path(to: str) -> str:
    email = db.session.scalars(select(Email).where(Email.to == to)).one()
    link = re.search(r"https?://\S+", email.text_body).group(0)
    return "/" + link.split("/", 3)[3]


def test_an_invited_agent_joins_with_the_pages_given(owner_client, owner):
    page = PageFactory(workspace=owner.workspace)
    PageFactory(workspace=owner.workspace)
    owner_client.post(
        "/members/invite", data={"email": "agent@acme.example", "role": "agent", "pages": [page.id]}
    )
    path = invitation_path("agent@acme.example")
    owner_client.post("/logout")
    response = owner_client.post(
        path, data={"name": "Alex", "password": "a long password!", "confirm": "a long password!"}
    )
    assert response.status_code == 302
    agent = db.session.scalars(select(User).where(User.email == "agent@acme.example")).one()
    assert agent.role == Role.AGENT
    assert agent.workspace_id == owner.workspace_id
    assert [p.id for p in agent.agent_pages] == [page.id]
    assert agent.email_verified
    # The link is used up.
    assert owner_client.get(path).status_code == 302


def test_agents_see_only_their_pages(client, owner):
    mine = PageFactory(workspace=owner.workspace, name="Mine")
    PageFactory(workspace=owner.workspace, name="Not mine")
    agent = UserFactory(workspace=owner.workspace, role=Role.AGENT, agent_pages=[mine])
    sign_in(client, agent)
    html = client.get("/pages/").get_data(as_text=True)
    assert "Mine" in html
    assert "Not mine" not in html
    assert client.get("/members").status_code == 403


def test_admins_cannot_make_owners_and_the_last_owner_stays(client, owner):
    admin = UserFactory(workspace=owner.workspace, role=Role.ADMIN)
    sign_in(client, admin)
    client.post("/members/invite", data={"email": "boss@acme.example", "role": "owner"})
    assert db.session.scalars(select(Invitation)).all() == []
    client.post(f"/members/{owner.id}", data={"role": "marketer"})
    db.session.refresh(owner)
    assert owner.role == Role.OWNER
    sign_in(client, owner)
    client.post(f"/members/{owner.id}", data={"role": "admin"})
    db.session.refresh(owner)
    assert owner.role == Role.OWNER


def test_removed_members_can_no_longer_log_in(owner_client, owner):
    member = UserFactory(workspace=owner.workspace, role=Role.MARKETER)
    owner_client.post(f"/members/{member.id}/remove")
    db.session.refresh(member)
    assert member.is_active is False
    other = owner_client.application.test_client()
    sign_in(other, member)
    assert other.get("/").status_code == 302


def test_another_workspace_cannot_touch_members_or_invitations(client, owner):
    stranger = UserFactory(role=Role.OWNER)  # a different workspace
    victim = UserFactory(workspace=owner.workspace, role=Role.MARKETER)
    invitation_client = client.application.test_client()
    sign_in(invitation_client, owner)
    invitation_client.post("/members/invite", data={"email": "x@acme.example", "role": "marketer"})
    invitation = db.session.scalars(select(Invitation)).one()

    sign_in(client, stranger)
    client.post(f"/members/{victim.id}", data={"role": "admin"})
    client.post(f"/members/{victim.id}/remove")
    client.post(f"/invitations/{invitation.id}/revoke")
    db.session.refresh(victim)
    db.session.refresh(invitation)
    assert victim.role == Role.MARKETER
    assert victim.is_active
    assert invitation.revoked_at is None
    html = client.get("/members").get_data(as_text=True)
    assert victim.email not in html
    assert owner.email not in html
