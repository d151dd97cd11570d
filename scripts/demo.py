"""Seed the demo workspace on first run of `./herald up`: an owner connected to the sandbox's
demo Pages, with their subscribers and conversations imported, so every screen shows something.

    python -m scripts.demo --sandbox http://127.0.0.1:5601

Idempotent: once the demo owner exists it only prints the login again.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.accounts.security import hash_password
from app.core import permissions
from app.core.db import utcnow
from app.core.facebook import graph_for_user
from app.core.models import Page, Role, User, Workspace
from app.core.subscribers import edits, growth, importer, saved
from app.core.subscribers.models import Subscriber
from app.core.subscribers.segments import SegmentFilter
from app.extensions import db
from app.pages import services as pages

DEMO_EMAIL = "dana@example.com"  # the sandbox's demo Facebook user
DEMO_FACEBOOK_USER = "100000000000101"


def credentials_file(app: Flask) -> Path:
    """Where the demo password is kept (development only; the file is private to its owner)."""
    return Path(app.config["INSTANCE_PATH"]) / "demo-login.txt"


def seed(sandbox_url: str, password_file: Path) -> tuple[str, str]:
    """Create the demo workspace if it is missing; return (email, password)."""
    existing = db.session.scalars(select(User).where(User.email == DEMO_EMAIL)).first()
    if existing is not None and password_file.exists():
        return DEMO_EMAIL, password_file.read_text().strip()
    password = secrets.token_urlsafe(9)
    owner = existing or _owner()
    owner.password_hash = hash_password(password)
    db.session.commit()
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    _connect_facebook(owner, sandbox_url)
    _connect_pages(owner)
    _extras(owner)
    return DEMO_EMAIL, password


def _owner() -> User:
    workspace = Workspace(name="Acme")
    owner = User(
        workspace=workspace,
        email=DEMO_EMAIL,
        name="Dana Reyes",
        role=Role.OWNER,
        email_verified_at=utcnow(),
    )
    db.session.add_all([workspace, owner])
    db.session.commit()
    return owner


def _connect_facebook(owner: User, sandbox_url: str) -> None:
    scopes = permissions.requested_permissions()
    response = requests.post(
        f"{sandbox_url}/_sandbox/tokens",
        json={"user_id": DEMO_FACEBOOK_USER, "scopes": scopes},
        timeout=30,
    )
    response.raise_for_status()
    attach_token(owner, response.json()["access_token"])


def attach_token(owner: User, token: str) -> None:
    """Connect a Facebook user token to `owner`, as the Login callback would. Commits."""
    owner.facebook_token = token
    client = graph_for_user(owner)
    identity = client.me(("id", "name"))
    owner.facebook_user_id, owner.facebook_name = identity.id, identity.name
    owner.facebook_permissions = {p.name: p.status for p in client.permissions()}
    owner.facebook_checked_at = utcnow()
    db.session.commit()


def connect_pages(owner: User, facebook_page_ids: list[str] | None = None) -> list[str]:
    """Connect the owner's Pages (all, or those given) and import their conversations.

    Returns what Herald had to say (refusals, warnings).
    """
    wanted = facebook_page_ids or [choice.account.id for choice in pages.choices(owner)]
    result = pages.connect(owner, wanted)
    for page in result.connected:
        # Paced; waits for the import that connecting queued if a worker started it first.
        importer.import_conversations(page.id)
    return result.refused + result.warnings


def _connect_pages(owner: User) -> None:
    for message in connect_pages(owner):
        print(f"demo: {message}", flush=True)


def _extras(owner: User) -> None:
    """A few tags, a saved segment and a growth link, so those screens are not empty."""
    connected = db.session.scalars(
        select(Page).where(Page.workspace_id == owner.workspace_id)
    ).all()
    for page in connected:
        subscriber_ids = [s.id for s in page_subscribers(page)]
        if subscriber_ids:
            edits.add_tags(subscriber_ids[:1], ["vip"])
            edits.add_tags(subscriber_ids, ["demo"])
        growth.create(page, "Counter QR code", "qr-counter")
    db.session.commit()
    saved.save(owner.workspace_id, "Open conversations", SegmentFilter(window="open"))
    saved.save(owner.workspace_id, "VIPs", SegmentFilter(tags_any=("vip",)))


def page_subscribers(page: Page) -> list[Subscriber]:
    """Subscribers of a Page."""
    return list(db.session.scalars(select(Subscriber).where(Subscriber.page_id == page.id)))


def main(argv: list[str] | None = None) -> int:
    """Seed (or find) the demo workspace and print its login."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sandbox", required=True, help="the Meta sandbox's base URL")
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        email, password = seed(args.sandbox, credentials_file(app))
    print(f"demo: log in as {email} with password {password}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
