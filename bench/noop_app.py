"""The yardstick: a Flask app whose webhook route does nothing, served the same way as Herald."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.post("/webhooks/messenger")
def receive() -> str:
    """Acknowledge without looking at the request."""
    return "EVENT_RECEIVED"


@app.get("/healthz")
def healthz() -> str:
    """Readiness for the benchmark harness."""
    return "ok"
