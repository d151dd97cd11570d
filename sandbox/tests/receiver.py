"""A tiny real HTTP server standing in for Herald's webhook endpoint in tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERIFY_TOKEN = "verify-me"


@dataclass
class Recorded:
    """One request the receiver got."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


class Receiver:
    """Records requests; answers POSTs with queued statuses (then 200) and handshakes properly.

    ``hold`` makes POSTs wait until the test ends, so a short client timeout fires for sure.
    """

    def __init__(self, verify_token: str = VERIFY_TOKEN) -> None:
        self.verify_token = verify_token
        self.requests: list[Recorded] = []
        self.statuses: list[int] = []
        self.challenge_reply: str | None = None  # answer handshakes with this instead
        self.hold = False
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """Return the webhook URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/webhooks/messenger"

    def start(self) -> Receiver:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (releasing held requests)."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def posts(self) -> list[Recorded]:
        """Return the POSTs received so far."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def events(self) -> list[dict[str, Any]]:
        """Return every messaging event or feed change of every POST, in order."""
        found: list[dict[str, Any]] = []
        for post in self.posts():
            for entry in post.json()["entry"]:
                found += entry.get("messaging", []) + entry.get("changes", [])
        return found

    def _next_status(self) -> int:
        with self._lock:
            return self.statuses.pop(0) if self.statuses else 200

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            """Records each request; answers handshakes and POSTs as the receiver is told."""

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""
                return

            def _recorded(self, body: bytes) -> Recorded:
                parts = urlsplit(self.path)
                return Recorded(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), body
                )

            def do_GET(self) -> None:
                """The hub.challenge handshake: echo the challenge if the verify token matches."""
                recorded = self._recorded(b"")
                receiver._record(recorded)
                query = {k: v[0] for k, v in recorded.query.items()}
                ok = query.get("hub.verify_token") == receiver.verify_token
                reply = receiver.challenge_reply or query.get("hub.challenge", "")
                self._answer(200 if ok else 403, reply if ok else "forbidden")

            def do_POST(self) -> None:
                """A delivery: record it, then answer with the next queued status."""
                length = int(self.headers.get("Content-Length") or 0)
                receiver._record(self._recorded(self.rfile.read(length)))
                if receiver.hold:
                    receiver.release.wait(30)
                status = receiver._next_status()
                self._answer(status, "ok" if status == 200 else "error")

            def _answer(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
