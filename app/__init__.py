"""Herald: run Facebook Pages on Messenger. The application factory lives here."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import load_dotenv_file, load_settings
from app.core.db import render_migration_item
from app.extensions import (
    configure_sqlite,
    csrf,
    db,
    limiter,
    limits_storage_uri,
    migrate,
    redis_client,
)

# Feature blueprints, in navigation order. Each module exposes `bp` and optionally `init_app`.
FEATURES: tuple[str, ...] = (
    "app.dashboard",
    "app.accounts",
    "app.pages",
    "app.audience",
    "app.livechat",
    "app.broadcasts",
    "app.webhooks",
    "app.api",  # last: it serves the API resources the features above published
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Herald app. `config` overrides settings read from the environment."""
    if not (config or {}).get("TESTING") and os.environ.get("HERALD_ENV") != "testing":
        load_dotenv_file()
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_settings())
    app.config.update(config or {})
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(_migrations_dir()),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limits_storage_uri(app.config["REDIS_URL"]))
    limiter.init_app(app)
    redis_client.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)

    from app import core

    core.init_app(app)
    for module_name in FEATURES:
        module = __import__(module_name, fromlist=["bp"])
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
    return app


def _migrations_dir() -> Any:
    from app.config import ROOT

    return ROOT / "migrations"


def _configure_logging(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
