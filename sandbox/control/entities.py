"""Control API: create apps, users, Pages, people and tokens; update apps; de-authorize."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from sandbox.control.common import ControlError, body, get_or_404, phone, sandbox, text
from sandbox.graph.oauth import LONG_LIVED_MIN_SECONDS
from sandbox.ids import new_numeric_id, new_secret
from sandbox.login.permissions import KNOWN_PERMISSIONS
from sandbox.models import ALL_TASKS, App, Page, PageRole, Person, User
from sandbox.services import seeding, tokens
from sandbox.webhooks import events
from sandbox.webhooks.signed_request import make_signed_request

bp = Blueprint("control_entities", __name__, url_prefix="/_sandbox")
APP_SETTABLE = ("name", "deauthorize_callback_url", "data_deletion_callback_url")


@bp.post("/apps")
def create_app() -> tuple[Response, int]:
    """Create a Facebook app: ``{name, app_id?, app_secret?, features?, redirect_uris?}``."""
    data = body()
    name = text(data, "name", required=True)
    sb = sandbox()
    with sb.db.write() as session:
        app_id = text(data, "app_id") or new_numeric_id(15, "1")
        if session.get(App, app_id) is not None:
            raise ControlError(409, f"app {app_id} already exists")
        app = App(
            id=app_id,
            secret=text(data, "app_secret") or new_secret(),
            name=name,
            created_at=sb.now_ms(),
            features=_string_list(data, "features", ["human_agent"]),
            redirect_uris=_string_list(data, "redirect_uris", []),
            subscribed_fields=[],
        )
        session.add(app)
        return jsonify({"id": app.id, "secret": app.secret}), 201


@bp.post("/apps/<app_id>")
def update_app(app_id: str) -> Response:
    """Change an app: name, callbacks, ``features``, ``redirect_uris``, ``secret``."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        app = get_or_404(session, App, app_id, "app")
        for name in APP_SETTABLE:
            if name in data:
                setattr(app, name, text(data, name))
        if "secret" in data:
            app.secret = text(data, "secret", required=True)
        if "features" in data:
            app.features = _string_list(data, "features", [])
        if "redirect_uris" in data:
            app.redirect_uris = _string_list(data, "redirect_uris", [])
        return jsonify(app_json(app))


def app_json(app: App) -> dict[str, Any]:
    """Return an app as the control API shows it."""
    return {
        "id": app.id,
        "name": app.name,
        "secret": app.secret,
        "features": app.features,
        "redirect_uris": app.redirect_uris,
        "callback_url": app.callback_url,
        "verify_token": app.verify_token,
        "subscribed_fields": app.subscribed_fields,
        "deauthorize_callback_url": app.deauthorize_callback_url,
        "data_deletion_callback_url": app.data_deletion_callback_url,
    }


def _string_list(data: dict[str, Any], name: str, default: list[str]) -> list[str]:
    value = data.get(name, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ControlError(400, f"{name} must be a list of strings")
    return list(value)


@bp.post("/users")
def create_user() -> tuple[Response, int]:
    """Create a Facebook user who can sign in to the Login dialog: ``{name, email}``."""
    data = body()
    name, email = text(data, "name", required=True), text(data, "email")
    sb = sandbox()
    with sb.db.write() as session:
        if email and session.scalar(select(User).where(User.email == email)) is not None:
            raise ControlError(409, f"a user with email {email} already exists")
        user = User(
            id=text(data, "id") or new_numeric_id(15, "1"),
            name=name,
            email=email,
            created_at=sb.now_ms(),
        )
        session.add(user)
        return jsonify({"id": user.id}), 201


@bp.post("/pages")
def create_page() -> tuple[Response, int]:
    """Create a Page: ``{name, username?, admin_ids, category?, tasks?, get_started_payload?}``.

    New Pages have a Get Started button (payload ``GET_STARTED``) unless ``get_started_payload``
    is null: most Messenger Pages do, and m.me refs of new conversations need one.
    """
    data = body()
    name, username = text(data, "name", required=True), text(data, "username")
    admin_ids = _string_list(data, "admin_ids", [])
    tasks = _string_list(data, "tasks", list(ALL_TASKS))
    if any(task not in ALL_TASKS for task in tasks):
        raise ControlError(400, f"tasks must be among {ALL_TASKS}")
    get_started = text(data, "get_started_payload") if "get_started_payload" in data else None
    if "get_started_payload" not in data:
        get_started = "GET_STARTED"
    sb = sandbox()
    with sb.db.write() as session:
        if username and session.scalar(select(Page).where(Page.username == username)):
            raise ControlError(409, f"username {username} is taken")
        for user_id in admin_ids:
            get_or_404(session, User, user_id, "user")
        page = Page(
            id=text(data, "id") or new_numeric_id(15, "1"),
            name=name,
            username=username,
            category=text(data, "category") or "Local Business",
            created_at=sb.now_ms(),
            messenger_profile={"get_started": {"payload": get_started}} if get_started else {},
        )
        session.add(page)
        session.flush()
        for user_id in admin_ids:
            session.add(PageRole(page_id=page.id, user_id=user_id, tasks=list(tasks)))
        return jsonify({"id": page.id, "username": page.username}), 201


@bp.post("/people")
def create_person() -> tuple[Response, int]:
    """Create a simulated customer: ``{first_name, last_name, phone_number?, locale?}``."""
    data = body()
    sb = sandbox()
    with sb.db.write() as session:
        person = Person(
            id=text(data, "id") or new_numeric_id(15, "1"),
            first_name=text(data, "first_name", required=True),
            last_name=text(data, "last_name") or "",
            phone_number=phone(data),
            locale=text(data, "locale") or "en_US",
            created_at=sb.now_ms(),
        )
        session.add(person)
        return jsonify({"id": person.id}), 201


@bp.post("/tokens")
def create_token() -> tuple[Response, int]:
    """Issue a user token as if the dialog granted ``scopes`` and shared all the user's Pages."""
    data = body()
    user_id = text(data, "user_id", required=True)
    scopes = _string_list(data, "scopes", [])
    unknown = [s for s in scopes if s not in KNOWN_PERMISSIONS]
    if unknown:
        raise ControlError(400, f"unknown permissions: {', '.join(unknown)}")
    sb = sandbox()
    now = sb.now_ms()
    expires_in = data.get("expires_in", sb.settings["long_lived_expires_in"])
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise ControlError(400, "expires_in must be an integer number of seconds")
    with sb.db.write() as session:
        get_or_404(session, User, user_id, "user")
        app_id = text(data, "app_id") or seeding.default_app_credentials()[0]
        get_or_404(session, App, app_id, "app")
        page_ids = tokens.user_page_ids(session, user_id)
        tokens.apply_consent(
            session, user_id=user_id, app_id=app_id, granted=scopes, page_ids=page_ids, now=now
        )
        long_lived = bool(data.get("long_lived", expires_in >= LONG_LIVED_MIN_SECONDS))
        token = tokens.issue_user_token(
            session,
            app_id=app_id,
            user_id=user_id,
            now=now,
            expires_in=expires_in,
            long_lived=long_lived,
        )
        session.flush()
        page_tokens = {
            pid: tokens.page_token_for(session, token, pid, now).token for pid in page_ids
        }
        return jsonify({"access_token": token.token, "page_tokens": page_tokens}), 201


@bp.post("/users/<user_id>/remove_app")
def remove_app(user_id: str) -> Response:
    """The user removes the app in their Facebook settings: de-authorize, maybe delete data.

    Body ``{app_id?, delete_data?}``; queues the app's deauthorize (and, with ``delete_data``,
    data-deletion) callbacks with a signed_request.
    """
    data = body()
    sb = sandbox()
    now = sb.now_ms()
    with sb.db.write() as session:
        get_or_404(session, User, user_id, "user")
        app = get_or_404(
            session, App, text(data, "app_id") or seeding.default_app_credentials()[0], "app"
        )
        asid = tokens.asid_for(session, user_id, app.id)
        tokens.deauthorize(session, user_id=user_id, app_id=app.id, now=now)
        signed = make_signed_request(app.secret, {"issued_at": now // 1000, "user_id": asid})
        queued = []
        callbacks = [("deauthorize", app.deauthorize_callback_url)]
        if data.get("delete_data"):
            callbacks.append(("data_deletion", app.data_deletion_callback_url))
        for kind, url in callbacks:
            if url:
                queued.append(
                    events.enqueue_callback(
                        session,
                        app_id=app.id,
                        kind=kind,
                        url=url,
                        form={"signed_request": signed},
                        now=now,
                    )
                )
    sb.dispatcher.notify()
    return jsonify({"success": True, "user_id": asid, "callbacks": [e.kind for e in queued]})
