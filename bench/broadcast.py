"""Broadcast: how fast Herald sends to a Page's subscribers, and how much memory a worker needs.

    python -m bench.broadcast [--recipients 100000] [--small 10000] [--limit 300] [--workers 3]
                              [--plain 3000] [--database URL]

One sandbox Page with `--recipients` people who wrote within the day (seeded straight into the
sandbox's and Herald's databases). Real worker processes send:

1. to `--small` of them at the Page limit, then to all of them at the limit: the achieved rate
   as a fraction of the limit, and each run's peak worker memory (flat in audience size?);
2. to all of them with no limit on either side, next to a plain loop sending one request per
   message to the same sandbox, in the same run;
3. a broadcast scheduled a few seconds ahead with the scheduler running: how late it starts.

The sandbox's violation list must stay empty: Herald never exceeds the limit Facebook counts.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, insert, select

from bench.harness import PYTHON, ROOT, free_port, table, wait_http, workspace

APP_SECRET = "dev-sandbox-app-secret"  # noqa: S105 - the development app secret
SCOPES = ["public_profile", "email", "pages_show_list", "pages_manage_metadata", "pages_messaging"]
SMALL_TAG = "bench-small"
TINY_TAG = "bench-tiny"


@dataclass(frozen=True)
class Run:
    """What one broadcast run measured."""

    sent: int
    seconds: float  # first to last send
    prepare_seconds: float  # creating the recipient rows
    peak_rss_mb: float  # the largest worker's peak resident memory

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self.sent / self.seconds if self.seconds else 0.0


class Sandbox:
    """The Meta sandbox as its own process, on a fresh database."""

    def __init__(self, folder: Path) -> None:
        self.db_path = folder / "sandbox.db"
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [PYTHON, "-m", "sandbox", "--port", port, "--db", str(self.db_path), "--no-demo"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/_sandbox/settings")

    def control(self, path: str, **body: object) -> dict:
        response = requests.post(f"{self.url}/_sandbox{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def violations(self) -> int:
        return len(requests.get(f"{self.url}/_sandbox/violations", timeout=60).json()["violations"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def seed_sandbox(sandbox: Sandbox, count: int) -> tuple[str, str, list[str]]:
    """A user, a Page and `count` people with open threads; returns (page id, page token, psids)."""
    from sandbox.models import Person, Thread

    user = sandbox.control("/users", name="Bench Owner", email="bench@example.com")
    page = sandbox.control(
        "/pages", name="Bench Coffee", username="benchcoffee", admin_ids=[user["id"]]
    )
    user_token = sandbox.control("/tokens", user_id=user["id"], scopes=SCOPES)["access_token"]
    accounts = requests.get(
        f"{sandbox.url}/v25.0/me/accounts", params={"access_token": user_token}, timeout=60
    ).json()["data"]
    page_token = next(a["access_token"] for a in accounts if a["id"] == page["id"])
    now_ms = int(time.time() * 1000)
    psids = [str(8100000000000000 + index) for index in range(count)]
    engine = create_engine(f"sqlite:///{sandbox.db_path}", connect_args={"timeout": 60})
    with engine.begin() as conn:  # straight into its database: 100,000 HTTP calls would be slow
        conn.execute(
            insert(Person.__table__),
            [
                {
                    "id": f"9{index:014d}",
                    "first_name": f"P{index}",
                    "last_name": "Bench",
                    "locale": "en_US",
                    "created_at": now_ms,
                }
                for index in range(count)
            ],
        )
        conn.execute(
            insert(Thread.__table__),
            [
                {
                    "psid": psid,
                    "person_id": f"9{index:014d}",
                    "page_id": page["id"],
                    "created_at": now_ms,
                    "last_inbound_at": now_ms - 1800_000,
                }
                for index, psid in enumerate(psids)
            ],
        )
    engine.dispose()
    return page["id"], page_token, psids


def bench_app(env: dict[str, str]):
    """A Herald app on the benchmark's database and Redis."""
    from app import create_app
    from app.config import database_url

    uri = database_url({"DATABASE_URL": env["DATABASE_URL"]}, ROOT)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "REDIS_URL": env["REDIS_URL"],
            "GRAPH_API_URL": env["GRAPH_API_URL"],
        }
    )


def seed_herald(app, facebook_page_id: str, token: str, psids: list[str], small: int) -> int:
    """The workspace, its connected Page and one subscriber per psid; returns the Page's id."""
    from app.core.db import utcnow
    from app.core.models import Page, Workspace
    from app.core.subscribers.models import Subscriber, SubscriberTag
    from app.extensions import db

    with app.app_context():
        owner = Workspace(name="Bench")
        page = Page(
            workspace=owner,
            facebook_page_id=facebook_page_id,
            name="Bench Coffee",
            access_token=token,
            connected_at=utcnow(),
        )
        db.session.add(page)
        db.session.commit()
        now = utcnow()
        for start in range(0, len(psids), 10_000):
            db.session.execute(
                insert(Subscriber),
                [
                    {
                        "workspace_id": owner.id,
                        "page_id": page.id,
                        "psid": psid,
                        "name": f"P{start + i} Bench",
                        "first_name": f"P{start + i}",
                        "first_seen_at": now - timedelta(days=3),
                        "last_inbound_at": now - timedelta(minutes=30),
                        "profile_status": "fetched",
                        "profile_fetched_at": now,
                    }
                    for i, psid in enumerate(psids[start : start + 10_000])
                ],
            )
        ids = list(db.session.scalars(select(Subscriber.id).order_by(Subscriber.id)))
        rows = [{"subscriber_id": i, "tag": SMALL_TAG} for i in ids[:small]]
        rows += [{"subscriber_id": i, "tag": TINY_TAG} for i in ids[:20]]
        db.session.execute(insert(SubscriberTag), rows)
        db.session.commit()
        return page.id


def create_broadcast(app, page_id: int, tag: str | None, name: str) -> int:
    """A promotional text broadcast with a button to the Page's subscribers (of `tag`)."""
    from app.broadcasts import services
    from app.core.models import Page
    from app.extensions import db

    with app.app_context():
        page = db.session.get(Page, page_id)
        audience = {"filter": {"tags_any": [tag]}} if tag else {}
        content = {
            "kind": "text",
            "text": f"Hi {{{{first_name|there}}}}! {name}.",
            "buttons": [{"type": "web_url", "title": "See it", "url": "https://bench.example/"}],
        }
        draft = services.Draft(page.id, name, content, audience)
        return services.create(page.workspace_id, None, draft).id


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_processes(env: dict[str, str], roles: list[str]) -> list[subprocess.Popen]:
    """Herald worker/scheduler processes, each in its own process group."""
    return [
        subprocess.Popen(
            [PYTHON, "worker.py", *([] if role == "worker" else [role])],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for role in roles
    ]


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(60)


def wait_completed(app, broadcast_id: int, timeout: float) -> None:
    from app.broadcasts.models import Broadcast, BroadcastStatus
    from app.extensions import db

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(Broadcast, broadcast_id).status == BroadcastStatus.COMPLETED:
                return
            db.session.commit()
            time.sleep(0.5)
    raise SystemExit(f"broadcast {broadcast_id} did not complete within {timeout:.0f} s")


def measure(app, broadcast_id: int) -> tuple[int, float, float]:
    """Messages sent, seconds from first to last send, seconds spent creating recipients."""
    from app.broadcasts.models import Broadcast, BroadcastRecipient, RecipientStatus
    from app.extensions import db

    with app.app_context():
        broadcast = db.session.get(Broadcast, broadcast_id)
        sent, first, last = db.session.execute(
            select(
                func.count(),
                func.min(BroadcastRecipient.sent_at),
                func.max(BroadcastRecipient.sent_at),
            ).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.status == RecipientStatus.SENT,
            )
        ).one()
        prepare = (broadcast.prepared_at - broadcast.started_at).total_seconds()
        return sent, (last - first).total_seconds() if sent > 1 else 0.0, prepare


def run_broadcast(
    app, env: dict[str, str], page_id: int, tag: str | None, limit: int, workers: int, name: str
) -> Run:
    """Send one broadcast with `workers` fresh worker processes at `limit` per second."""
    from app.broadcasts import lifecycle
    from app.broadcasts.models import Broadcast
    from app.extensions import db

    broadcast_id = create_broadcast(app, page_id, tag, name)
    processes = start_processes({**env, "SEND_RATE_LIMIT": str(limit)}, ["worker"] * workers)
    time.sleep(3)  # let them start, so they share the work from the first batch
    with app.app_context():
        lifecycle.start(db.session.get(Broadcast, broadcast_id))
    wait_completed(app, broadcast_id, timeout=3600)
    peak = max(peak_rss_mb(process.pid) for process in processes)
    stop_processes(processes)
    sent, seconds, prepare = measure(app, broadcast_id)
    return Run(sent, seconds, prepare, peak)


def plain_loop(sandbox: Sandbox, app, facebook_page_id: str, token: str, psids: list[str]) -> float:
    """Messages per second of the obvious loop: one Send API request per message, in order."""
    from app.core.facebook import graph_settings
    from app.core.graph import GraphClient, Recipient

    with app.app_context():
        client = GraphClient(token, graph_settings(), session=requests.Session())
        started = time.perf_counter()
        for psid in psids:
            client.send_message(
                facebook_page_id,
                Recipient.psid(psid),
                {"text": "Hi! Plain loop."},
                messaging_type="UPDATE",
            )
        return len(psids) / (time.perf_counter() - started)


def scheduled_lateness(app, env: dict[str, str], page_id: int) -> tuple[float, float]:
    """Seconds between a broadcast's scheduled time and its start, and its first send."""
    from app.broadcasts import services
    from app.broadcasts.models import Broadcast, BroadcastRecipient
    from app.core.db import utcnow
    from app.extensions import db

    processes = start_processes(env, ["scheduler", "worker"])
    time.sleep(3)
    broadcast_id = create_broadcast(app, page_id, TINY_TAG, "Scheduled")
    with app.app_context():
        broadcast = db.session.get(Broadcast, broadcast_id)
        services.schedule(broadcast, utcnow() + timedelta(seconds=5))
    wait_completed(app, broadcast_id, timeout=120)
    stop_processes(processes)
    with app.app_context():
        broadcast = db.session.get(Broadcast, broadcast_id)
        first = db.session.scalar(
            select(func.min(BroadcastRecipient.sent_at)).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        )
        return (
            (broadcast.started_at - broadcast.scheduled_at).total_seconds(),
            (first - broadcast.scheduled_at).total_seconds(),
        )


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--plain", type=int, default=3000, help="messages sent by the plain loop")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, workspace(args.database) as env:
        sandbox = Sandbox(Path(tmp))
        try:
            env = {
                **env,
                "GRAPH_API_URL": sandbox.url,
                "FACEBOOK_WWW_URL": sandbox.url,
                "BROADCAST_SENDERS": str(args.workers),
            }
            sandbox.control("/settings", send_rate_limit=args.limit)
            facebook_page_id, token, psids = seed_sandbox(sandbox, args.recipients)
            app = bench_app(env)
            page_id = seed_herald(app, facebook_page_id, token, psids, args.small)
            small = run_broadcast(app, env, page_id, SMALL_TAG, args.limit, args.workers, "Small")
            large = run_broadcast(app, env, page_id, None, args.limit, args.workers, "Large")
            violations = sandbox.violations()
            sandbox.control("/settings", send_rate_limit=0)
            unlimited = run_broadcast(app, env, page_id, None, 0, args.workers, "No limit")
            plain = plain_loop(sandbox, app, facebook_page_id, token, psids[: args.plain])
            sandbox.control("/settings", send_rate_limit=args.limit)
            late_start, late_send = scheduled_lateness(
                app, {**env, "SEND_RATE_LIMIT": str(args.limit)}, page_id
            )
        finally:
            sandbox.stop()
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        table(
            f"Broadcast to one sandbox Page ({database}, {args.workers} worker processes, "
            f"{os.cpu_count()} CPUs)",
            [
                (
                    f"{large.sent:,} recipients at {args.limit}/s: rate",
                    f"{large.rate:,.1f}/s = {large.rate / args.limit:.1%} of the limit",
                ),
                (
                    f"{small.sent:,} recipients at {args.limit}/s: rate",
                    f"{small.rate:,.1f}/s = {small.rate / args.limit:.1%} of the limit",
                ),
                ("Sandbox violations (limit exceeded)", f"{violations}"),
                (f"{unlimited.sent:,} recipients, no limit: rate", f"{unlimited.rate:,.0f}/s"),
                (f"Plain loop, one request per message ({args.plain:,})", f"{plain:,.0f}/s"),
                ("No limit / plain loop", f"{unlimited.rate / plain:.1f}x"),
                (f"Peak worker memory, {small.sent:,} recipients", f"{small.peak_rss_mb:.0f} MB"),
                (
                    f"Peak worker memory, {large.sent:,} recipients",
                    f"{large.peak_rss_mb:.0f} MB ({large.peak_rss_mb / small.peak_rss_mb:.2f}x)",
                ),
                (f"Creating {large.sent:,} recipient rows", f"{large.prepare_seconds:.1f} s"),
                (
                    "Scheduled start: late by / first message after",
                    f"{late_start:.1f} s / {late_send:.1f} s",
                ),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
