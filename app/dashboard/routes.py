"""Shell routes: the landing page, the system status page and the health probe."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import health
from app.core.auth import role_required
from app.core.db import utcnow
from app.core.models import Role
from app.dashboard import bp, services


@bp.get("/")
def index() -> Response | str:
    """The workspace overview (visitors go to the login page)."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("dashboard/index.html", overview=services.overview(current_user))


@bp.get("/dev/outbox")
def outbox() -> str:
    """The mailbox of a laptop setup: with no SMTP server, sent emails are read here.

    It exists only outside production and without MAIL_SERVER, where no real mail is sent.
    """
    config = current_app.config
    if config["HERALD_ENV"] == "production" or config["MAIL_SERVER"]:
        abort(404)
    return render_template("dashboard/outbox.html", emails=services.recent_emails())


@bp.get("/status")
@role_required(Role.ADMIN)
def status() -> str:
    """Stores, workers, scheduler and queues, for whoever runs this Herald."""
    return render_template("dashboard/status.html", status=services.system_status(), now=utcnow())


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database and Redis both answer; 503 naming the one that failed otherwise."""
    checks = health.check_all()
    ok = all(check.ok for check in checks)
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail, "millis": c.millis} for c in checks},
        "failed": [c.name for c in checks if not c.ok],
    }
    return jsonify(body), 200 if ok else 503
