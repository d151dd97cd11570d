"""Sign up, email verification, login (rate limited), password reset, logout."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.mail import Email, EmailStatus
from app.core.models import Role, User, Workspace
from app.extensions import db
from tests.factories import PASSWORD, UserFactory


def last_email_link(to: str) -> str:
    email = db.session.scalars(
        select(Email).where(Email.to == to).order_by(Email.id.desc())
    ).first()
    assert email is not None, f"no email to {to}"
    return re.search(r"https?://\S+", email.text_body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def signup(client, email="ana@acme.example", password="a long enough password"):  # noqa: S107
    return client.post(
        "/signup",
        data={"name": "Ana", "business": "Acme", "email": email, "password": password},
    )


def test_signup_creates_a_workspace_owned_by_the_new_user(client):
    response = signup(client, email="Ana@Acme.example")
    assert response.status_code == 302
    user = db.session.scalars(select(User)).one()
    assert user.email == "ana@acme.example"
    assert user.role == Role.OWNER
    assert user.workspace.name == "Acme"
    assert user.password_hash.startswith("$argon2id$")
    assert not user.email_verified
    email = db.session.scalars(select(Email)).one()
    assert email.status == EmailStatus.OUTBOX  # no SMTP server in tests
    assert "Confirm your email" in email.subject


def test_the_emailed_link_verifies_the_address(client):
    signup(client)
    link = last_email_link("ana@acme.example")
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert db.session.scalars(select(User)).one().email_verified


def test_a_tampered_verification_link_is_refused(client):
    signup(client)
    link = last_email_link("ana@acme.example")
    client.get(path_of(link)[:-2] + "xx", follow_redirects=True)
    assert not db.session.scalars(select(User)).one().email_verified


def test_signup_refuses_a_taken_email_and_a_short_password(client):
    UserFactory(email="taken@acme.example")
    signup(client, email="taken@acme.example")
    assert signup(client, email="new@acme.example", password="short").status_code == 200
    assert db.session.scalars(select(Workspace)).all() == [
        db.session.scalars(select(User)).one().workspace
    ]


def test_login_with_the_right_password_only(client):
    user = UserFactory(email="op@acme.example")
    bad = client.post("/login", data={"email": "op@acme.example", "password": "wrong password!"})
    assert bad.status_code == 200
    assert "do not match" in bad.get_data(as_text=True)
    good = client.post("/login", data={"email": "OP@acme.example ", "password": PASSWORD})
    assert good.status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_attempts_are_rate_limited_per_email(client):
    UserFactory(email="target@acme.example")
    codes = [
        client.post(
            "/login", data={"email": "target@acme.example", "password": f"guess {n}"}
        ).status_code
        for n in range(6)
    ]
    assert codes == [200] * 5 + [429]
    # The right password is refused too while the limit holds: no guessing around it.
    assert (
        client.post(
            "/login", data={"email": "target@acme.example", "password": PASSWORD}
        ).status_code
        == 429
    )


def test_next_only_redirects_within_herald(client):
    UserFactory(email="op@acme.example")
    data = {"email": "op@acme.example", "password": PASSWORD}
    inside = client.post("/login?next=/pages/", data=data)
    assert inside.headers["Location"] == "/pages/"
    client.post("/logout")
    outside = client.post("/login?next=//evil.example/x", data=data)
    assert outside.headers["Location"] == "/"


def test_password_reset_link_works_once(client):
    user = UserFactory(email="op@acme.example")
    client.post("/forgot", data={"email": "op@acme.example"})
    link = path_of(last_email_link("op@acme.example"))
    new = {"password": "a brand new password", "confirm": "a brand new password"}
    assert client.post(link, data=new).status_code == 302
    client.post("/logout")
    assert client.post(link, data=new).status_code == 302  # refused: back to the form
    assert "/forgot" in client.post(link, data=new).headers["Location"]
    login = client.post("/login", data={"email": user.email, "password": "a brand new password"})
    assert login.status_code == 302


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/forgot", data={"email": "nobody@acme.example"}, follow_redirects=True)
    assert "If an account uses that email" in response.get_data(as_text=True)
    assert db.session.scalars(select(Email)).all() == []


def test_logout_ends_the_session(owner_client):
    assert owner_client.get("/").status_code == 200
    owner_client.post("/logout")
    assert owner_client.get("/").status_code == 302


def test_forms_need_a_csrf_token(make_app):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    response = client.post("/login", data={"email": "a@b.test", "password": "x"})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "/%5Cevil.example",
        "/\\evil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "//evil.example",
    ],
)
def test_next_never_leaves_the_site(client, target):
    UserFactory(email="op@acme.example")
    data = {"email": "op@acme.example", "password": PASSWORD}
    response = client.post(f"/login?next={target}", data=data)
    assert response.headers["Location"] == "/"
