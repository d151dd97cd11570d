"""factory_boy factories for Herald's models; they write through the app's session."""

from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.accounts.security import hash_password
from app.core.db import utcnow
from app.core.models import Page, PageStatus, Role, User, Workspace
from app.core.subscribers.models import Subscriber
from app.extensions import db

PASSWORD = "correct horse battery staple"
BASE_PERMISSIONS = (
    "public_profile",
    "email",
    "pages_show_list",
    "pages_manage_metadata",
    "pages_messaging",
)
# Hashing with Argon2 is slow on purpose; every factory user shares one hash of PASSWORD.
PASSWORD_HASH = hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    """Commits each object so other processes (workers, live servers) can see it."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - factory_boy wants a callable
        sqlalchemy_session_persistence = "commit"


class WorkspaceFactory(BaseFactory):
    """A business."""

    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Business {n}")


class UserFactory(BaseFactory):
    """A verified member of a workspace who can log in with PASSWORD."""

    class Meta:
        model = User

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.OWNER
    password_hash = PASSWORD_HASH
    email_verified_at = factory.LazyFunction(utcnow)

    class Params:
        # UserFactory(facebook=True): connected Facebook, granted the base permissions.
        facebook = factory.Trait(
            facebook_user_id=factory.Sequence(lambda n: f"555{n:07d}"),
            facebook_name=factory.SelfAttribute("name"),
            facebook_token=factory.Sequence(lambda n: f"USER-TOKEN-{n}"),
            facebook_permissions=factory.LazyFunction(
                lambda: dict.fromkeys(BASE_PERMISSIONS, "granted")
            ),
        )


class PageFactory(BaseFactory):
    """A connected Page with a (fake) encrypted token."""

    class Meta:
        model = Page

    workspace = factory.SubFactory(WorkspaceFactory)
    facebook_page_id = factory.Sequence(lambda n: f"10{n:013d}")
    name = factory.Sequence(lambda n: f"Page {n}")
    username = factory.Sequence(lambda n: f"page{n}")
    access_token = factory.Sequence(lambda n: f"EAAG-page-token-{n}")
    tasks = factory.LazyFunction(lambda: ["MANAGE", "MESSAGING", "CREATE_CONTENT", "MODERATE"])
    status = PageStatus.CONNECTED
    connected_at = factory.LazyFunction(utcnow)


class SubscriberFactory(BaseFactory):
    """A person who wrote to a Page an hour ago."""

    class Meta:
        model = Subscriber

    page = factory.SubFactory(PageFactory)
    workspace_id = factory.SelfAttribute("page.workspace_id")
    psid = factory.Sequence(lambda n: f"{7000000000000000 + n}")
    name = factory.Faker("name")
    first_seen_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=3))
    last_inbound_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
