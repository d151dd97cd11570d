"""Control API: reset, demo data, faults, settings and manual webhook dispatch."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from sandbox.control.common import ControlError, body, get_or_404, sandbox, text
from sandbox.login.permissions import KNOWN_PERMISSIONS
from sandbox.models import Fault, Page
from sandbox.runtime import Sandbox
from sandbox.services import seeding
from sandbox.services.faults import (
    FAULT_KINDS,
    STATE_FAULTS,
    invalidate_page_tokens,
    revoke_page_permission,
)
from sandbox.settings import SettingsError

bp = Blueprint("control_admin", __name__, url_prefix="/_sandbox")


def reset_sandbox(sb: Sandbox, *, demo: bool) -> None:
    """Wipe every row, reseed the default app (and the demo data when asked), forget memory."""
    with sb.db.write() as session:
        seeding.wipe(session)
        now = sb.now_ms()
        seeding.ensure_default_app(session, now)
        if demo:
            seeding.load_demo(session, now)
    sb.clear_memory()


@bp.post("/reset")
def reset() -> Response:
    """Wipe the sandbox and reseed the default app (``{"demo": true}`` also loads the demo)."""
    data = body()
    reset_sandbox(sandbox(), demo=bool(data.get("demo")))
    return jsonify({"success": True})


@bp.post("/demo")
def demo() -> Response:
    """Reset to the default app plus the demo dataset."""
    reset_sandbox(sandbox(), demo=True)
    return jsonify({"success": True})


@bp.post("/faults")
def add_fault() -> tuple[Response, int]:
    """Inject a fault: ``{kind, page_id?, count?, permission?}``."""
    data = body()
    kind = text(data, "kind", required=True)
    if kind not in FAULT_KINDS:
        raise ControlError(400, f"kind must be one of {sorted(FAULT_KINDS)}")
    count = data.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ControlError(400, "count must be a positive integer")
    page_id = text(data, "page_id")
    permission = text(data, "permission") or (
        "pages_messaging" if kind == "permission_revoked" else None
    )
    if permission is not None and permission not in KNOWN_PERMISSIONS:
        raise ControlError(400, f"unknown permission {permission}")
    sb = sandbox()
    now = sb.now_ms()
    with sb.db.write() as session:
        if page_id is not None:
            get_or_404(session, Page, page_id, "page")
        elif kind in STATE_FAULTS:
            raise ControlError(400, f"{kind} needs a page_id")
        fault = Fault(
            kind=kind,
            page_id=page_id,
            remaining=0 if kind in STATE_FAULTS else count,
            permission=permission,
            created_at=now,
        )
        session.add(fault)
        session.flush()
        if kind == "token_invalid":
            invalidate_page_tokens(session, page_id)
        elif kind == "permission_revoked":
            revoke_page_permission(session, page_id, permission, now)
        else:
            sb.faults.add(session, fault)
        return jsonify(_fault_json(fault)), 201


@bp.get("/faults")
def list_faults() -> Response:
    """Every fault injected, with what remains of each."""
    with sandbox().db.read() as session:
        rows = session.scalars(select(Fault).order_by(Fault.id)).all()
        return jsonify({"faults": [_fault_json(f) for f in rows]})


def _fault_json(fault: Fault) -> dict:
    return {
        "id": fault.id,
        "kind": fault.kind,
        "page_id": fault.page_id,
        "remaining": fault.remaining,
        "permission": fault.permission,
        "time": fault.created_at,
    }


@bp.get("/settings")
def get_settings() -> Response:
    """Every current setting."""
    return jsonify(sandbox().settings.as_dict())


@bp.post("/settings")
def set_settings() -> Response:
    """Change settings (validated; unknown names are refused); returns them all."""
    try:
        return jsonify(sandbox().save_settings(body()))
    except SettingsError as exc:
        raise ControlError(400, str(exc)) from exc


@bp.post("/webhooks/dispatch")
def dispatch() -> Response:
    """Run one dispatcher round now (handy when the background thread is off)."""
    return jsonify({"attempted": sandbox().dispatcher.run_once()})
