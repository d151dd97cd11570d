"""The Flask face of the Graph API: every path, versioned (``/vNN.0/...``) or not."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from sandbox.graph.request import GraphRequest, split_version, token_from_header

bp = Blueprint("graph", __name__)
METHODS = ["GET", "POST", "DELETE"]


@bp.route("/", defaults={"path": ""}, methods=METHODS)
@bp.route("/<path:path>", methods=METHODS)
def graph_call(path: str) -> Response:
    """Run a Graph call (or batch) and return Graph's response."""
    sandbox = current_app.extensions["sandbox"]
    version, rest = split_version(path)
    result = sandbox.engine.handle(_graph_request(version, rest))
    return Response(result.body, status=result.status, headers=result.headers)


def _graph_request(version: str | None, path: str) -> GraphRequest:
    params: dict = request.args.to_dict()
    if request.method != "GET":
        if request.is_json:
            body = request.get_json(silent=True)
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(request.form.to_dict())
    token = params.pop("access_token", None) or token_from_header(
        request.headers.get("Authorization")
    )
    return GraphRequest(
        method=request.method,
        path=path,
        params=params,
        token=str(token) if token else None,
        base_url=request.host_url.rstrip("/"),
        version=version,
    )
