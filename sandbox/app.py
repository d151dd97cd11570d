"""The sandbox's Flask application factory."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter

from sandbox import control
from sandbox.clock import Clock, SystemClock, now_ms
from sandbox.control.common import ControlError, control_error_response
from sandbox.db import Database
from sandbox.graph.engine import GraphEngine
from sandbox.graph.routes import build_router
from sandbox.graph.views import bp as graph_bp
from sandbox.login import bp as login_bp
from sandbox.runtime import Sandbox
from sandbox.services import seeding
from sandbox.settings import Settings
from sandbox.webhooks.dispatcher import Dispatcher


class VersionConverter(BaseConverter):
    """Matches a Graph version segment such as ``v25.0``."""

    regex = r"v\d+\.\d+"


def create_sandbox_app(
    db_path: str,
    *,
    settings: Mapping[str, Any] | None = None,
    start_dispatcher: bool = True,
    clock: Clock | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Flask:
    """Build the sandbox app on the SQLite file ``db_path``.

    ``settings`` override the defaults (and win over persisted values); ``clock`` and ``sleep``
    replace the real time sources in tests; ``start_dispatcher=False`` leaves webhook delivery to
    explicit ``sandbox.dispatcher.run_once()`` calls.
    """
    app = Flask(__name__, static_url_path="/_sandbox/static")
    # Herald runs on the same host in development: keep the cookies apart.
    app.config["SESSION_COOKIE_NAME"] = "fb_sandbox_session"
    db = Database(db_path)
    db.create_all()
    sandbox = Sandbox(db, Settings(settings), clock or SystemClock(), sleep or time.sleep)
    sandbox.router = build_router()
    sandbox.engine = GraphEngine(sandbox)
    sandbox.dispatcher = Dispatcher(sandbox)
    with db.write() as session:
        seeding.ensure_default_app(session, now_ms(sandbox.clock))
        app.secret_key = seeding.session_secret(session)
    sandbox.load_state()
    app.extensions["sandbox"] = sandbox
    app.url_map.converters["version"] = VersionConverter
    app.register_blueprint(login_bp)
    for blueprint in control.blueprints():
        app.register_blueprint(blueprint)
    app.register_error_handler(ControlError, control_error_response)
    app.register_blueprint(graph_bp)  # last: its catch-all must not shadow the others
    if start_dispatcher:
        sandbox.dispatcher.start()
    return app


def sandbox_of(app: Flask) -> Sandbox:
    """Return the :class:`Sandbox` behind an app built by :func:`create_sandbox_app`."""
    return app.extensions["sandbox"]


def shutdown(app: Flask) -> None:
    """Stop the dispatcher, flush the logs and close the database."""
    sandbox = sandbox_of(app)
    sandbox.dispatcher.stop()
    sandbox.flush_logs()
    sandbox.db.dispose()
