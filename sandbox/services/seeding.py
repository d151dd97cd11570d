"""The default app, reset, and loading the demo dataset."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sandbox import demo_data
from sandbox.ids import new_mid
from sandbox.models import (
    ALL_TASKS,
    Ad,
    AdAccount,
    AdCreative,
    AdSet,
    App,
    Base,
    Campaign,
    Comment,
    Page,
    PageRole,
    Person,
    Post,
    Setting,
    User,
)
from sandbox.services import threads

DEFAULT_APP_ID = "100000000000001"
# Development-only credentials shared with Herald's development defaults; never used in production.
DEFAULT_APP_SECRET = "dev-sandbox-app-secret"  # noqa: S105 - a documented development default
DEFAULT_APP_NAME = "Herald (development)"
SESSION_SIGNING_ROW = "session_secret"


def default_app_credentials() -> tuple[str, str]:
    """Return the default app's id and secret (``FACEBOOK_APP_ID`` / ``FACEBOOK_APP_SECRET``)."""
    app_id = os.environ.get("FACEBOOK_APP_ID") or DEFAULT_APP_ID
    secret = os.environ.get("FACEBOOK_APP_SECRET") or DEFAULT_APP_SECRET
    return app_id, secret


def ensure_default_app(session: Session, now: int) -> App:
    """Create the default app, or bring its secret in line with the environment."""
    app_id, secret = default_app_credentials()
    app = session.get(App, app_id)
    if app is None:
        app = App(
            id=app_id,
            secret=secret,
            name=DEFAULT_APP_NAME,
            created_at=now,
            features=["human_agent"],
            redirect_uris=[],
            subscribed_fields=[],
        )
        session.add(app)
    else:
        app.secret = secret
    return app


def session_secret(session: Session) -> str:
    """Return the Login dialog's cookie-signing secret, persisted so sessions survive restarts."""
    row = session.get(Setting, SESSION_SIGNING_ROW)
    if row is None:
        row = Setting(key=SESSION_SIGNING_ROW, value=secrets.token_hex(32))
        session.add(row)
    return str(row.value)


def wipe(session: Session) -> None:
    """Delete every row except internal secrets."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == Setting.__tablename__:
            session.execute(delete(Setting).where(Setting.key != SESSION_SIGNING_ROW))
        else:
            session.execute(table.delete())


def is_fresh(session: Session) -> bool:
    """Return whether no user, Page or person exists yet."""
    return all(
        session.scalar(select(func.count()).select_from(model)) == 0
        for model in (User, Page, Person)
    )


def load_demo(session: Session, now: int) -> None:
    """Load :mod:`sandbox.demo_data` (messages stored directly, no webhooks)."""
    user = demo_data.DEMO_USER
    session.add(User(id=user["id"], name=user["name"], email=user["email"], created_at=now))
    pages_by_username: dict[str, str] = {}
    for spec in demo_data.DEMO_PAGES:
        session.add(
            Page(
                id=spec["id"],
                name=spec["name"],
                username=spec["username"],
                category=spec["category"],
                category_id=spec["category_id"],
                fan_count=spec["fan_count"],
                followers_count=spec["followers_count"],
                created_at=now,
                messenger_profile=spec["messenger_profile"],
            )
        )
        session.add(PageRole(page_id=spec["id"], user_id=user["id"], tasks=list(ALL_TASKS)))
        pages_by_username[spec["username"]] = spec["id"]
    account = demo_data.DEMO_AD_ACCOUNT
    session.add(
        AdAccount(
            id=account["id"],
            name=account["name"],
            owner_user_id=user["id"],
            currency=account["currency"],
            created_at=now,
        )
    )
    session.flush()
    for person in demo_data.DEMO_PEOPLE:
        _load_person(session, person, pages_by_username, now)
    _load_posts(session, pages_by_username, now)
    _load_ad(session, pages_by_username, account["id"], now)


def _load_person(session: Session, spec: dict, pages: dict[str, str], now: int) -> None:
    session.add(
        Person(
            id=spec["id"],
            first_name=spec["first_name"],
            last_name=spec["last_name"],
            phone_number=spec["phone_number"],
            locale=spec["locale"],
            created_at=now,
        )
    )
    session.flush()
    for username, items in spec["threads"].items():
        oldest = max(ago for ago, _, _ in items)
        thread = threads.open_thread(session, spec["id"], pages[username], now - oldest * 1000)
        thread.blocked = username in spec.get("blocked", [])
        for ago, direction, text in items:
            at = now - ago * 1000
            threads.record(
                session,
                thread,
                direction=direction,
                timestamp=at,
                mid=new_mid(),
                text=text,
                message={"text": text},
                messaging_type="RESPONSE" if direction == "out" else None,
            )
            if direction == "out":
                thread.delivered_watermark = at


def _load_posts(session: Session, pages: dict[str, str], now: int) -> None:
    for spec in demo_data.DEMO_POSTS:
        scheduled = now // 1000 + spec["scheduled_in"] if "scheduled_in" in spec else None
        at = now - spec.get("ago", 0) * 1000
        session.add(
            Post(
                id=spec["id"],
                page_id=pages[spec["page"]],
                author_person_id=None,
                message=spec["message"],
                created_at=at,
                updated_at=at,
                is_published=scheduled is None,
                scheduled_publish_time=scheduled,
                is_hidden=False,
                deleted=False,
            )
        )
        session.flush()
        for comment in spec["comments"]:
            _add_comment(session, spec["id"], pages[spec["page"]], comment, None, now)
            for reply in comment["replies"]:
                _add_comment(session, spec["id"], pages[spec["page"]], reply, comment["id"], now)


def _add_comment(
    session: Session, post_id: str, page_id: str, spec: dict, parent_id: str | None, now: int
) -> None:
    at = now - spec["ago"] * 1000
    session.add(
        Comment(
            id=spec["id"],
            post_id=post_id,
            parent_id=parent_id,
            page_id=page_id,
            author_person_id=spec["person"],
            message=spec["message"],
            created_at=at,
            updated_at=at,
            is_hidden=False,
            deleted=False,
        )
    )


def _load_ad(session: Session, pages: dict[str, str], account_id: str, now: int) -> None:
    spec = demo_data.DEMO_AD
    page_id = pages[spec["page"]]
    since = now - spec["delivering_for"] * 1000
    times = {"created_at": since, "updated_at": since}
    creative = spec["creative"]
    link_data = {
        "name": creative["title"],
        "message": creative["message"],
        "link": creative["link"],
        "call_to_action": {"type": "MESSAGE_PAGE", "value": {"app_destination": "MESSENGER"}},
    }
    session.add(
        Post(
            id=creative["post_id"],
            page_id=page_id,
            author_person_id=None,
            message=creative["message"],
            link=creative["link"],
            is_published=False,  # an ad's post, as Meta creates for a creative
            is_hidden=False,
            deleted=False,
            **times,
        )
    )
    session.add(
        Campaign(
            id=spec["campaign"]["id"],
            account_id=account_id,
            name=spec["campaign"]["name"],
            objective="OUTCOME_ENGAGEMENT",
            special_ad_categories=[],
            buying_type="AUCTION",
            status="ACTIVE",
            **times,
        )
    )
    session.flush()  # no ORM relationships: parents must be inserted first
    session.add(
        AdSet(
            id=spec["adset"]["id"],
            account_id=account_id,
            campaign_id=spec["campaign"]["id"],
            name=spec["adset"]["name"],
            status="ACTIVE",
            daily_budget=spec["adset"]["daily_budget"],
            lifetime_budget=None,
            billing_event="IMPRESSIONS",
            optimization_goal="CONVERSATIONS",
            destination_type="MESSENGER",
            bid_strategy="LOWEST_COST_WITHOUT_CAP",
            bid_amount=None,
            promoted_object={"page_id": page_id},
            targeting={"geo_locations": {"countries": ["US"]}},
            start_time=since,
            end_time=None,
            **times,
        )
    )
    session.add(
        AdCreative(
            id=creative["id"],
            account_id=account_id,
            name=creative["name"],
            page_id=page_id,
            object_story_spec={"page_id": page_id, "link_data": link_data},
            post_id=creative["post_id"],
            status="ACTIVE",
            created_at=since,
        )
    )
    session.flush()
    session.add(
        Ad(
            id=spec["ad"]["id"],
            account_id=account_id,
            campaign_id=spec["campaign"]["id"],
            adset_id=spec["adset"]["id"],
            creative_id=creative["id"],
            name=spec["ad"]["name"],
            status="ACTIVE",
            review_ends_at=since,
            delivery=[[since, 0]],
            **times,
        )
    )
