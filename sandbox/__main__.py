"""Command line.

``python -m sandbox [--host H] [--port P] [--db FILE] [--demo|--no-demo] [--reset]``
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.app import create_sandbox_app, sandbox_of, shutdown
from sandbox.control.admin import reset_sandbox
from sandbox.services import seeding


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5601)
    parser.add_argument("--db", default="instance/sandbox.db", help="SQLite file holding the state")
    parser.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the demo data into a fresh (or reset) database",
    )
    parser.add_argument("--reset", action="store_true", help="wipe the database first")
    return parser.parse_args(argv)


class QuietRequestHandler(WSGIRequestHandler):
    """No per-request access log: it would print tokens from query strings and cost time.

    The sandbox keeps its own call log (``GET /_sandbox/calls``), without tokens.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip the access log line."""
        return


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Serve the sandbox until SIGINT/SIGTERM."""
    args = parse_args(argv)
    app = create_sandbox_app(args.db)
    sandbox = sandbox_of(app)
    if args.reset:
        reset_sandbox(sandbox, demo=args.demo)
    elif args.demo:
        with sandbox.db.write() as session:
            if seeding.is_fresh(session):
                seeding.load_demo(session, sandbox.now_ms())
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=QuietRequestHandler
    )
    signal.signal(signal.SIGTERM, _raise_exit)
    print(f"Meta sandbox ready on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        shutdown(app)
        print("Meta sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
