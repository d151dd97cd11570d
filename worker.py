"""Herald's background processes.

python worker.py                 an RQ worker on the queues webhooks, sends, default
python worker.py --burst         process what is queued, then exit
python worker.py scheduler       the scheduler (APScheduler): run exactly one per deployment
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError

from app import create_app
from app.core.queue import QUEUE_NAMES, HeraldWorker, get_queue
from app.core.scheduling import build_scheduler
from app.extensions import redis_client

log = logging.getLogger("herald.worker")


def wait_for_redis(client: Redis, seconds: float = 30.0) -> None:
    """Block until Redis answers, so processes started together tolerate Redis starting last."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.ping()
            return
        except RedisError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"Redis is not answering: {exc}") from exc
            time.sleep(0.2)


def run_worker(queues: list[str], burst: bool, name: str | None) -> int:
    """Run an RQ worker inside an app context until stopped (or, with burst, until idle)."""
    app = create_app()
    with app.app_context():
        client = redis_client.client
        wait_for_redis(client)
        worker = HeraldWorker([get_queue(q) for q in queues], connection=client, name=name)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    return 0


def run_scheduler() -> int:
    """Run the sweeps registered by every feature until SIGINT/SIGTERM."""
    app = create_app()
    with app.app_context():
        wait_for_redis(redis_client.client)
    # Every sweep run would otherwise log two lines every few seconds.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler running sweeps: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    scheduler.start()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run a worker or the scheduler."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("role", nargs="?", choices=["worker", "scheduler"], default="worker")
    parser.add_argument(
        "--queues", default=",".join(QUEUE_NAMES), help="comma-separated, in priority order"
    )
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    args = parser.parse_args(argv)
    if args.role == "scheduler":
        return run_scheduler()
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = sorted(set(queues) - set(QUEUE_NAMES))
    if unknown:
        parser.error(f"unknown queue(s): {', '.join(unknown)}")
    return run_worker(queues, args.burst, args.name)


if __name__ == "__main__":
    sys.exit(main())
