"""Batch requests: ``POST /`` (or ``/me``) with ``batch=[...]``, at most 50 operations.

Operations run in order in the request's single transaction; each is a full Graph call (its own
token if it brings one, its own log line, its own count against the rate limits). Responses are
``{"code","headers"?,"body":"<JSON string>"}`` in request order. ``name``/``depends_on`` and
JSONPath references are not evaluated: independent operations are what the sandbox supports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from sandbox import errors
from sandbox.db import UnitOfWork
from sandbox.errors import GraphError
from sandbox.graph.context import RequestShared
from sandbox.graph.request import GraphRequest, split_version
from sandbox.graph.result import JSON_TYPE, OpResult, dumps

if TYPE_CHECKING:
    from sandbox.graph.engine import GraphEngine

MAX_OPERATIONS = 50
OP_CONTENT_TYPE = "text/javascript; charset=UTF-8"


def run_batch(
    engine: GraphEngine, uow: UnitOfWork, request: GraphRequest, shared: RequestShared
) -> OpResult:
    """Run every operation of a batch request and return the combined response."""
    try:
        operations = _operations(request)
    except GraphError as exc:
        return OpResult(exc.http_status, exc.body(), {"Content-Type": JSON_TYPE, **exc.headers})
    include_headers = request.flag("include_headers", True)
    parsed: list[GraphRequest | GraphError] = []
    for raw in operations:
        try:
            parsed.append(_op_request(raw, request))
        except GraphError as exc:
            parsed.append(exc)
    engine.preload(uow, request, shared, [op for op in parsed if isinstance(op, GraphRequest)])
    responses: list[dict[str, Any]] = []
    for op_request in parsed:
        if isinstance(op_request, GraphError):
            responses.append({"code": op_request.http_status, "body": op_request.body()})
            continue
        result = engine.run_op(uow, op_request, shared, batch=True)
        item: dict[str, Any] = {"code": result.status}
        if include_headers:
            headers = {**result.headers, "Content-Type": OP_CONTENT_TYPE}
            item["headers"] = [{"name": k, "value": v} for k, v in headers.items()]
        item["body"] = result.body
        responses.append(item)
    return OpResult(200, dumps(responses), {"Content-Type": JSON_TYPE})


def _operations(request: GraphRequest) -> list[Any]:
    operations = request.obj("batch")
    if not isinstance(operations, list) or not operations:
        raise errors.invalid_param("The parameter batch must be a non-empty JSON array")
    if len(operations) > MAX_OPERATIONS:
        raise errors.invalid_param(
            f"Too many requests in batch message. Maximum batch size is {MAX_OPERATIONS}"
        )
    return operations


def _op_request(raw: Any, outer: GraphRequest) -> GraphRequest:
    if not isinstance(raw, dict) or (not raw.get("relative_url") and raw.get("relative_url") != ""):
        raise errors.invalid_param("Each batch operation needs a method and a relative_url")
    method = str(raw.get("method") or "GET").upper()
    if method not in ("GET", "POST", "DELETE"):
        raise errors.invalid_param(f"Unsupported method {method} in batch operation")
    url = urlsplit(str(raw.get("relative_url", "")))
    version, path = split_version(url.path)
    params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
    body = raw.get("body")
    if isinstance(body, str):
        params.update(parse_qsl(body, keep_blank_values=True))
    elif isinstance(body, dict):
        params.update(body)
    token = params.pop("access_token", None) or outer.token
    return GraphRequest(
        method=method,
        path=path,
        params=params,
        token=token,
        base_url=outer.base_url,
        version=version or outer.version,
        batch_op=True,
    )
