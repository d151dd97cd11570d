"""Real servers for the test run: a private redis-server, PostgreSQL databases, live WSGI apps."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from werkzeug.serving import make_server


def wait_until(predicate, seconds: float = 20.0, interval: float = 0.02) -> bool:
    """Poll `predicate` until it is true; a readiness wait, never a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@contextmanager
def private_redis(directory: Path) -> Iterator[str]:
    """Run a throwaway redis-server on a unix socket in `directory`; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "redis-server is needed for the tests (Debian: apt-get install redis-server)"
        )
    sock = directory / "redis.sock"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{sock}?db=0"
    try:
        client = redis.Redis.from_url(url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        if not wait_until(answers):
            raise RuntimeError("private redis-server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class LiveServer:
    """A WSGI app served on a real port from a background thread."""

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        self._server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        """Begin serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._thread.join(timeout=10)


def child_environment(**settings: str) -> dict[str, str]:
    """Environment for a Herald child process (worker, scheduler) in a test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HERALD_")}
    env.update({"HERALD_ENV": "testing", "PYTHONUNBUFFERED": "1"})
    env.update(settings)
    return env
