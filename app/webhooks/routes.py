"""`GET/POST /webhooks/messenger`: Facebook's handshake and event deliveries."""

from __future__ import annotations

from flask import Response, abort, current_app, request

from app.extensions import csrf, limiter
from app.webhooks import bp, receiver


@bp.get("/messenger")
def handshake() -> Response:
    """Answer Facebook's `hub.challenge` when the verify token is ours; 403 otherwise."""
    if request.args.get("hub.mode") != "subscribe" or not receiver.verify_token_valid(
        request.args.get("hub.verify_token")
    ):
        abort(403)
    return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")


@bp.post("/messenger", endpoint="receive")
@csrf.exempt
@limiter.exempt
def receive() -> Response:
    """Store a signed delivery and acknowledge it; unsigned or forged ones are refused unstored.

    Most deliveries never get here: `fast_path` answers them before Flask. This view serves
    the same URL when Herald is mounted under a prefix or a delivery comes chunked.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signature = request.headers.get("X-Hub-Signature-256")
    if receiver.accept(app, request.get_data(cache=False), signature) is None:
        abort(403)
    return Response(receiver.ACKNOWLEDGED, mimetype="text/plain")
