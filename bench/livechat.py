"""Live chat latency: from a person's message in the sandbox to the event on operators' streams.

    python -m bench.livechat [--streams 200] [--messages 40] [--database URL]

The whole product runs as in production: the Meta sandbox, Herald under gunicorn, real worker
processes, Redis. `--streams` operators' event streams stay open while people write; for every
message and every stream, the time from the sandbox accepting the message to the event arriving
on the stream is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from bench.harness import PYTHON, ROOT, free_port, gunicorn, table, wait_http, workspace

OWNER_EMAIL = "dana@example.com"
OWNER_PASSWORD = "bench password 123"  # noqa: S105 - a throwaway account in a throwaway database


@contextlib.contextmanager
def sandbox(folder: Path) -> Iterator[str]:
    """The Meta sandbox on a free port, with an empty database."""
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--db",
            str(folder / "sandbox.db"),
            "--no-demo",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/_sandbox/state")
        yield url
    finally:
        process.terminate()
        process.wait(30)


@contextlib.contextmanager
def workers(env: dict[str, str], count: int) -> Iterator[None]:
    """Real worker processes for the whole run."""
    processes = [
        subprocess.Popen(
            [PYTHON, "worker.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def control(url: str, path: str, **body: object) -> dict:
    """Call the sandbox's control API."""
    response = requests.post(f"{url}/_sandbox{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def seed(env: dict[str, str], sandbox_url: str, people: int) -> tuple[str, list[str]]:
    """A Facebook user, a Page connected to a Herald workspace, and people who will write."""
    from app import create_app
    from app.accounts.security import hash_password
    from app.config import database_url
    from app.core import permissions
    from app.core.db import utcnow
    from app.core.models import Role, User, Workspace
    from app.extensions import db
    from scripts.demo import attach_token, connect_pages

    user = control(sandbox_url, "/users", name="Dana Reyes", email=OWNER_EMAIL)
    page = control(
        sandbox_url, "/pages", name="Acme Coffee", username="acmecoffee", admin_ids=[user["id"]]
    )
    persons = [
        control(sandbox_url, "/people", first_name=f"P{n}", last_name="Bench")["id"]
        for n in range(people)
    ]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url({"DATABASE_URL": env["DATABASE_URL"]}, ROOT),
            "REDIS_URL": env["REDIS_URL"],
            "GRAPH_API_URL": sandbox_url,
            "FACEBOOK_WWW_URL": sandbox_url,
            "PUBLIC_URL": env["PUBLIC_URL"],
        }
    )
    with app.app_context():
        workspace_row = Workspace(name="Bench")
        owner = User(
            workspace=workspace_row, email=OWNER_EMAIL, name="Dana", role=Role.OWNER,
            password_hash=hash_password(OWNER_PASSWORD), email_verified_at=utcnow(),
        )  # fmt: skip
        db.session.add_all([workspace_row, owner])
        db.session.commit()
        scopes = permissions.requested_permissions()
        token = control(sandbox_url, "/tokens", user_id=user["id"], scopes=scopes)["access_token"]
        attach_token(owner, token)
        connect_pages(owner, [page["id"]])
    return page["id"], persons


def signed_in_session(herald_url: str) -> requests.Session:
    """A browser-like session logged in through the real login form (with its CSRF token)."""
    session = requests.Session()
    form = session.get(f"{herald_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = session.post(
        f"{herald_url}/login",
        data={"csrf_token": token, "email": OWNER_EMAIL, "password": OWNER_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return session


class Stream(threading.Thread):
    """One operator's event stream, recording when each inbound-message event arrives."""

    def __init__(self, url: str, cookies: requests.cookies.RequestsCookieJar) -> None:
        super().__init__(daemon=True)
        self.url, self.cookies = url, cookies
        self.arrivals: list[float] = []
        self.connected = threading.Event()
        self.response: requests.Response | None = None

    def run(self) -> None:
        """Read the stream until it is closed (closing it ends the read with an error)."""
        with contextlib.suppress(requests.RequestException, AttributeError, ValueError):
            self._read()

    def _read(self) -> None:
        self.response = requests.get(self.url, cookies=self.cookies, stream=True, timeout=(5, 120))
        self.connected.set()
        event = None
        for line in self.response.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "message" and '"direction":"in"' in line:
                self.arrivals.append(time.perf_counter())

    def close(self) -> None:
        """Hang up: the server notices at its next write and frees the thread.

        The socket is shut down rather than the response closed: closing takes the buffer's
        lock, which the reading thread holds until the server next writes.
        """
        raw = self.response.raw if self.response is not None else None
        sock = getattr(getattr(raw, "_connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def measure(
    herald_url: str, sandbox_url: str, page_id: str, persons: list[str], streams: int, messages: int
) -> list[float]:
    """Latencies (ms) of every message on every stream."""
    session = signed_in_session(herald_url)
    readers = [Stream(f"{herald_url}/inbox/stream", session.cookies) for _ in range(streams)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.connected.wait(30)
    time.sleep(1)  # let every stream subscribe before the first message (not part of a figure)
    latencies: list[float] = []
    for number in range(messages):
        started = time.perf_counter()
        control(
            sandbox_url,
            f"/people/{persons[number % len(persons)]}/messages",
            page_id=page_id,
            text=f"Hello {number}",
        )
        deadline = started + 10
        while any(len(r.arrivals) <= number for r in readers) and time.perf_counter() < deadline:
            time.sleep(0.002)
        latencies += [
            (r.arrivals[number] - started) * 1000 for r in readers if len(r.arrivals) > number
        ]
    for reader in readers:
        reader.close()
    return latencies


def main(argv: list[str] | None = None) -> int:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as tmp,
        workspace(args.database) as env,
        sandbox(Path(tmp)) as sandbox_url,
    ):
        port = free_port()
        env = {
            **env,
            "GRAPH_API_URL": sandbox_url,
            "FACEBOOK_WWW_URL": sandbox_url,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        with (
            gunicorn("app:create_app()", env, 4, 128, port=port) as herald_url,
            workers(env, args.workers),
        ):
            page_id, persons = seed(env, sandbox_url, people=8)
            latencies = measure(
                herald_url, sandbox_url, page_id, persons, args.streams, args.messages
            )
    expected = args.streams * args.messages
    quantiles = statistics.quantiles(latencies, n=100)
    database = "PostgreSQL" if args.database else "SQLite"
    print(table(
        f"Live chat: message to operators' streams ({database}, {args.streams} streams open)",
        [
            ("Messages x streams measured", f"{len(latencies):,} of {expected:,}"),
            ("Latency p50", f"{quantiles[49]:.0f} ms"),
            ("Latency p95", f"{quantiles[94]:.0f} ms"),
            ("Latency max", f"{max(latencies):.0f} ms"),
        ],
    ))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
