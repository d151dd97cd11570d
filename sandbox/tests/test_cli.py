"""The command line: serve on a real socket, answer, stop cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.__main__ import parse_args

ROOT = Path(__file__).resolve().parents[2]


def test_defaults():
    args = parse_args([])
    assert (args.host, args.port, args.db, args.demo, args.reset) == (
        "127.0.0.1",
        5601,
        "instance/sandbox.db",
        True,
        False,
    )
    assert parse_args(["--no-demo", "--reset", "--port", "0"]).demo is False


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_cleanly(tmp_path, stop):
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--db", str(tmp_path / "cli.db")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = process.stdout.readline()  # blocks until the server is listening
        assert ready.startswith("Meta sandbox ready on http://127.0.0.1:")
        base = ready.split(" on ")[1].strip()
        state = requests.get(f"{base}/_sandbox/state", timeout=10).json()
        assert state["users"][0]["name"] == "Dana Reyes"  # demo data on a fresh database
        assert requests.get(f"{base}/v25.0/me", timeout=10).json()["error"]["code"] == 2500
        process.send_signal(stop)
        assert process.wait(timeout=20) == 0
        assert "Meta sandbox stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
