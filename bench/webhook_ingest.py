"""Webhook ingest: how fast Herald stores, queues and acknowledges signed deliveries.

    python -m bench.webhook_ingest [--seconds 10] [--connections 32] [--database URL]

Herald and a no-op Flask route run under the same production gunicorn settings; wrk posts
distinct signed one-event deliveries at a fixed concurrency. Then real workers process everything
that was stored, to measure the processing rate.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import subprocess
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from bench.harness import PYTHON, ROOT, gunicorn, table, workspace, wrk

PAGE_ID = "190000000000001"
SECRET = "dev-sandbox-app-secret"  # noqa: S105 - the development app secret
DISTINCT_BODIES = 2000


def delivery(index: int) -> bytes:
    """One realistic Messenger delivery: a person's text message."""
    now = int(time.time() * 1000)
    event = {
        "sender": {"id": f"{7100000000000000 + index % 500}"},
        "recipient": {"id": PAGE_ID},
        "timestamp": now,
        "message": {"mid": f"m_bench_{index}_{now}", "text": f"Hello number {index}"},
    }
    body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [event]}]}
    return json.dumps(body, separators=(",", ":")).encode()


def lua_script(path: Path) -> None:
    """A wrk script cycling through distinct, correctly signed bodies."""
    entries = []
    for index in range(DISTINCT_BODIES):
        body = delivery(index)
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        entries.append(f'{{[[{body.decode()}]], "sha256={signature}"}}')
    path.write_text(
        "local bodies = {" + ",\n".join(entries) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  local headers = {['Content-Type'] = 'application/json', "
        "['X-Hub-Signature-256'] = bodies[i][2]}\n"
        "  return wrk.format('POST', '/webhooks/messenger', headers, bodies[i][1])\n"
        "end\n"
    )


def bench_app(env: dict[str, str]) -> Flask:
    """A Herald app on the benchmark's database and Redis, for setting up and counting."""
    from app import create_app
    from app.config import database_url

    uri = database_url({"DATABASE_URL": env["DATABASE_URL"]}, ROOT)
    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "REDIS_URL": env["REDIS_URL"]})


def connect_bench_page(env: dict[str, str]) -> None:
    """A workspace with the connected Page the deliveries are for."""
    from app.core.db import utcnow
    from app.core.models import Page, Workspace
    from app.extensions import db

    app = bench_app(env)
    with app.app_context():
        workspace_row = Workspace(name="Bench")
        db.session.add(workspace_row)
        db.session.add(
            Page(
                workspace=workspace_row,
                facebook_page_id=PAGE_ID,
                name="Bench Page",
                access_token="unused",  # noqa: S106 - never used: nothing is sent
                connected_at=utcnow(),
            )
        )
        db.session.commit()


def stored_events(env: dict[str, str]) -> int:
    """How many deliveries Herald stored."""
    from app.extensions import db
    from app.webhooks.models import WebhookEvent

    app = bench_app(env)
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WebhookEvent)) or 0


def processing_rate(env: dict[str, str], events: int, workers: int) -> float:
    """Run `workers` real worker processes until the webhooks queue is empty: events per second."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [PYTHON, "worker.py", "--burst", "--queues", "webhooks"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.wait()
    return events / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="worker processes for processing")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, workspace(args.database) as env:
        script = Path(tmp) / "deliveries.lua"
        lua_script(script)
        connect_bench_page(env)
        with gunicorn("app:create_app()", env, args.web_workers, args.threads) as url:
            wrk(
                url + "/webhooks/messenger", script, seconds=2, connections=args.connections
            )  # warm-up
            herald = wrk(
                url + "/webhooks/messenger",
                script,
                seconds=args.seconds,
                connections=args.connections,
            )
        with gunicorn("bench.noop_app:app", env, args.web_workers, args.threads) as url:
            noop = wrk(
                url + "/webhooks/messenger",
                script,
                seconds=args.seconds,
                connections=args.connections,
            )
        events = stored_events(env)
        rate = processing_rate(env, events, args.workers)
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        table(
            f"Webhook ingest ({database}, {args.connections} connections, "
            f"gunicorn {args.web_workers} processes x {args.threads} threads)",
            [
                ("Herald: acknowledged events/s", f"{herald.requests_per_second:,.0f}"),
                (
                    "Herald: ack latency p50 / p99",
                    f"{herald.p50_ms:.1f} ms / {herald.p99_ms:.1f} ms",
                ),
                ("Herald: errors", f"{herald.errors}"),
                ("No-op Flask route: requests/s", f"{noop.requests_per_second:,.0f}"),
                ("No-op Flask route: p50 / p99", f"{noop.p50_ms:.1f} ms / {noop.p99_ms:.1f} ms"),
                ("Herald / no-op", f"{herald.requests_per_second / noop.requests_per_second:.0%}"),
                ("Stored deliveries", f"{events:,}"),
                (f"Processing with {args.workers} workers: events/s", f"{rate:,.0f}"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
