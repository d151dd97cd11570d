"""Shared pieces of the benchmarks: a private Redis, a fresh database, servers, wrk, tables."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from scripts.databases import fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    """Wait until `url` answers (a readiness wait; nothing is measured here)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def private_redis(directory: Path) -> Iterator[str]:
    """A throwaway redis-server on a unix socket."""
    sock = directory / "redis.sock"
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{sock}?db=0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def workspace(database: str | None = None) -> Iterator[dict[str, str]]:
    """A temporary instance folder, private Redis and migrated database; yields the environment.

    `database` is a PostgreSQL server URL: the benchmark gets its own new database there.
    """
    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        if database:
            database = stack.enter_context(fresh_postgres_database(database, "herald_bench"))
        with private_redis(folder) as redis_url:
            env = {
                **os.environ,
                "HERALD_ENV": "development",
                "HERALD_INSTANCE_PATH": str(folder),
                "REDIS_URL": redis_url,
                "DATABASE_URL": database or f"sqlite:///{folder / 'herald.db'}",
                "PYTHONUNBUFFERED": "1",
            }
            subprocess.run(
                [PYTHON, "-m", "flask", "--app", "app", "db", "upgrade"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            yield env


@contextmanager
def gunicorn(
    app_spec: str, env: dict[str, str], workers: int, threads: int, port: int | None = None
) -> Iterator[str]:
    """Serve `app_spec` with the production gunicorn settings; yield its base URL."""
    port = port or free_port()
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
    }
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_spec],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/healthz")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(45)  # long enough for open event streams to notice and close
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _millis(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, *, seconds: int, connections: int, threads: int = 2) -> LoadResult:
    """Run wrk with a Lua script and parse its latency distribution."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for this benchmark (Debian: apt-get install wrk)")
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(n) for n in match.groups())
    return LoadResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        # Anchored: "+/- Stdev" percentages such as "62.50%" end in the same digits.
        p50_ms=_millis(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_millis(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        errors=errors,
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
    )


def table(title: str, rows: list[tuple[str, str]]) -> str:
    """A two-column text table."""
    width = max(len(name) for name, _value in rows)
    lines = [title, "-" * (width + 24)]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    return "\n".join(lines)
