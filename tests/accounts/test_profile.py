"""Your own account: name, password (signing other browsers out), Facebook-only accounts."""

from __future__ import annotations

from app.accounts import security
from app.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

NEW = "a brand new long password"


def change(client, current: str, new: str = NEW, confirm: str | None = None):
    return client.post(
        "/account/password",
        data={"current": current, "password": new, "confirm": confirm or new},
        follow_redirects=True,
    )


def test_the_account_page_shows_who_you_are(owner_client, owner):
    html = owner_client.get("/account").get_data(as_text=True)
    assert owner.email in html
    assert 'value="' + owner.name + '"' in html
    assert "Current password" in html


def test_renaming_yourself(owner_client, owner):
    owner_client.post("/account/profile", data={"name": "  Ana Lima "})
    db.session.refresh(owner)
    assert owner.name == "Ana Lima"
    html = owner_client.post("/account/profile", data={"name": " "}).get_data(as_text=True)
    assert "This field is required" in html
    db.session.refresh(owner)
    assert owner.name == "Ana Lima"


def test_a_wrong_current_password_changes_nothing(owner_client, owner):
    before = owner.password_hash
    html = change(owner_client, "not it").get_data(as_text=True)
    assert "current password is not correct" in html
    db.session.refresh(owner)
    assert owner.password_hash == before


def test_mismatched_or_short_passwords_are_refused(owner_client, owner):
    assert "The passwords differ" in change(owner_client, PASSWORD, confirm=NEW + "x").text
    assert "at least" in change(owner_client, PASSWORD, new="short").text.lower()
    db.session.refresh(owner)
    assert security.check_password(owner, PASSWORD)


def test_a_new_password_signs_out_every_other_browser(app, owner_client, owner):
    elsewhere = app.test_client()
    sign_in(elsewhere, owner)
    assert elsewhere.get("/").status_code == 200

    assert "Your password is changed" in change(owner_client, PASSWORD).text

    db.session.refresh(owner)
    assert security.check_password(owner, NEW)
    assert owner_client.get("/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/").status_code == 302  # the other one must log in again


def test_someone_who_signs_in_with_facebook_can_set_a_password(app, client):
    user = UserFactory(facebook=True, password_hash=None)
    sign_in(client, user)
    html = client.get("/account").get_data(as_text=True)
    assert "Set a password" in html
    assert "Current password" not in html
    change(client, "")
    db.session.refresh(user)
    assert security.check_password(user, NEW)
