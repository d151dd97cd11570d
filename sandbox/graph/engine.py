"""Execution of Graph calls: one transaction per HTTP request, faults, logging and usage headers.

A plain call and each operation of a batch go through :meth:`GraphEngine.run_op`, so every
operation is logged, metered and exposed to faults exactly like a call of its own.
"""

from __future__ import annotations

import json
import logging
import time

from sandbox import errors
from sandbox.db import UnitOfWork
from sandbox.errors import GraphError
from sandbox.graph.batch import run_batch
from sandbox.graph.context import CallContext, RequestShared
from sandbox.graph.request import GraphRequest
from sandbox.graph.result import JSON_TYPE, OpResult, dumps
from sandbox.ids import new_trace_id
from sandbox.limits import buc_header
from sandbox.models import Page
from sandbox.runtime import Sandbox

log = logging.getLogger("sandbox.graph")


class GraphEngine:
    """Runs Graph calls against the sandbox's state."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle(self, request: GraphRequest) -> OpResult:
        """Run one HTTP request (a plain call or a batch) in one transaction."""
        sandbox = self.sandbox
        latency = sandbox.settings["latency_ms"]
        if latency:
            sandbox.sleep(latency / 1000)
        shared = RequestShared()
        uow = UnitOfWork(sandbox.db, write=False)
        started = time.perf_counter()
        try:
            if request.method != "GET":
                uow.ensure_writable()
            if _is_batch(request):
                result = run_batch(self, uow, request, shared)
                self._log_envelope(request, result, time.perf_counter() - started)
            else:
                result = self.run_op(uow, request, shared)
            if uow.locked and sandbox.logs.large():
                sandbox.logs.flush(uow.session)
            uow.commit()
        except Exception:
            log.exception("Graph call failed: %s /%s", request.method, request.path)
            uow.rollback()
            error = GraphError(1, "An unknown error has occurred.", is_transient=True)
            result = OpResult(error.http_status, error.body(), {"Content-Type": JSON_TYPE})
            self._log_envelope(request, result, time.perf_counter() - started, error)
        finally:
            uow.close()
        if sandbox.logs.large():
            sandbox.flush_logs()  # read-only traffic must not grow the buffer without bound
        if shared.notify_dispatcher:
            sandbox.dispatcher.notify()
        if shared.hold_seconds:
            sandbox.sleep(shared.hold_seconds)
        return result

    def run_op(
        self, uow: UnitOfWork, request: GraphRequest, shared: RequestShared, *, batch: bool = False
    ) -> OpResult:
        """Run one call (or batch operation) and log it; never raises GraphError."""
        started, cpu_started = time.perf_counter(), time.thread_time()
        ctx = CallContext(self.sandbox, uow, request, shared)
        error: GraphError | None = None
        try:
            self._apply_call_fault(ctx)
            status, body = 200, dumps(self.sandbox.router.dispatch(ctx))
        except GraphError as exc:
            error = exc
            if not batch:
                uow.rollback()
            if exc.rule:
                self._log_violation(ctx, exc)
            status, body = exc.http_status, exc.body()
        wall, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        headers = self._headers(ctx, wall, cpu, error)
        self._log_call(ctx, status, error, wall)
        return OpResult(status, body, headers)

    def preload(
        self,
        uow: UnitOfWork,
        request: GraphRequest,
        shared: RequestShared,
        operations: list[GraphRequest],
    ) -> None:
        """Give the router's preloaders a look at a batch's operations."""
        self.sandbox.router.preload(CallContext(self.sandbox, uow, request, shared), operations)

    def _apply_call_fault(self, ctx: CallContext) -> None:
        faults = self.sandbox.faults
        if not faults.any_call_fault:
            return
        page_id = self._fault_page(ctx)
        if not faults.matches_call(page_id):
            return
        ctx.writable()
        kind = faults.take_call_fault(ctx.session, page_id)
        ctx.uow.commit()  # a consumed fault stays consumed whatever the call does next
        ctx.page_id = page_id or ctx.page_id
        if kind == "rate_limit":
            usage = {"call_count": 100, "total_cputime": 0, "total_time": 0}
            key = page_id or ctx.request.text("client_id") or "app"
            raise errors.rate_limited(
                {"X-Business-Use-Case-Usage": buc_header(key, "pages", usage, 0)}
            )
        if kind == "timeout":
            ctx.shared.hold_seconds += self.sandbox.settings["fault_timeout_seconds"]
        raise errors.service_unavailable()

    @staticmethod
    def _fault_page(ctx: CallContext) -> str | None:
        auth = ctx.try_auth()
        if auth is not None and auth.page_id:
            return auth.page_id
        segments = ctx.request.segments
        if segments and segments[0].isdigit() and ctx.session.get(Page, segments[0]):
            return segments[0]
        return None

    def _headers(
        self, ctx: CallContext, wall: float, cpu: float, error: GraphError | None
    ) -> dict[str, str]:
        sandbox, settings = self.sandbox, self.sandbox.settings
        headers = {
            "Content-Type": JSON_TYPE,
            "facebook-api-version": ctx.request.api_version,
            "x-fb-trace-id": new_trace_id(),
        }
        auth = ctx.resolved_auth
        budget = settings["usage_time_budget_seconds"]
        if auth is not None and auth.kind == "PAGE" and auth.page_id:
            page_key = f"page:{auth.page_id}"
            sandbox.usage.record(page_key, wall, cpu)
            usage = sandbox.usage.percentages(page_key, settings["page_calls_per_hour"], budget)
            if ctx.usage_type == "messenger":
                limit = settings["send_rate_limit"]
                count = sandbox.limiter.count(auth.page_id)
                usage["call_count"] = -(-count * 100 // limit) if limit else 0
            headers["X-Business-Use-Case-Usage"] = buc_header(
                auth.page_id, ctx.usage_type, usage, 0
            )
        elif auth is not None:
            sandbox.usage.record(f"app:{auth.app_id}", wall, cpu)
        app_key = f"app:{auth.app_id}" if auth is not None else "app:-"
        app_usage = sandbox.usage.percentages(app_key, settings["app_calls_per_hour"], budget)
        headers["X-App-Usage"] = json.dumps(app_usage, separators=(",", ":"))
        if error is not None:
            headers.update(error.headers)
        return headers

    def _log_call(
        self, ctx: CallContext, status: int, error: GraphError | None, wall: float
    ) -> None:
        request = ctx.request
        auth = ctx.resolved_auth
        prefix = f"/{request.version}" if request.version else ""
        self.sandbox.logs.call(
            method=request.method,
            path=f"{prefix}/{request.path}",
            status=status,
            error_code=error.code if error else None,
            error_subcode=error.subcode if error else None,
            page_id=ctx.page_id,
            app_id=auth.app_id if auth else None,
            batch=request.batch_op,
            created_at=ctx.now_ms,
            duration_ms=round(wall * 1000, 3),
        )

    def _log_envelope(
        self, request: GraphRequest, result: OpResult, wall: float, error: GraphError | None = None
    ) -> None:
        """Log a request as a whole: a batch (its operations are logged one by one) or a crash."""
        prefix = f"/{request.version}" if request.version else ""
        self.sandbox.logs.call(
            method=request.method,
            path=f"{prefix}/{request.path}",
            status=result.status,
            error_code=error.code if error else None,
            error_subcode=None,
            page_id=None,
            app_id=None,
            batch=False,
            created_at=self.sandbox.now_ms(),
            duration_ms=round(wall * 1000, 3),
        )

    def _log_violation(self, ctx: CallContext, error: GraphError) -> None:
        self.sandbox.logs.violation(
            rule=error.rule,
            page_id=ctx.page_id,
            recipient=ctx.violation.get("recipient"),
            messaging_type=ctx.violation.get("messaging_type"),
            tag=ctx.violation.get("tag"),
            code=error.code,
            subcode=error.subcode,
            message=error.message[:500],
            created_at=ctx.now_ms,
        )


def _is_batch(request: GraphRequest) -> bool:
    return (
        request.method == "POST"
        and request.segments in ([], ["me"])
        and request.params.get("batch") is not None
    )
