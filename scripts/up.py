"""`./herald up`: bring up every Herald process on one machine and stop them all on Ctrl-C.

Runs inside the virtualenv (the `herald` script creates it). Redis: `REDIS_URL` when it answers,
otherwise a private `redis-server` with its data under instance/redis. Facebook: the real Graph API
when `GRAPH_API_URL` is set, otherwise the Meta sandbox with demo data.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import redis
from dotenv import dotenv_values
from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def log(message: str) -> None:
    """Print a launcher message."""
    print(f"herald: {message}", flush=True)


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers PING at `url`."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, ValueError):
        return False


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """Whether `host:port` can be bound."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start_private_redis(instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start a private redis-server keeping its data under instance/redis; return it and its URL.

    It runs outside the supervisor so that it stops last: workers finishing their current job on
    Ctrl-C still need it.
    """
    data = instance / "redis"
    data.mkdir(parents=True, exist_ok=True)
    socket_path = data / "redis.sock"
    command = ["redis-server", "--dir", str(data), "--save", "60 1", "--appendonly", "no"]
    if len(str(socket_path)) < 100:  # the kernel's limit on a socket path is about 108 bytes
        command += ["--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700"]
        url = f"unix://{socket_path}?db=0"
    else:
        port = free_port()
        command += ["--bind", "127.0.0.1", "--port", str(port)]
        url = f"redis://127.0.0.1:{port}/0"
    log_file = (data / "redis.log").open("ab")
    process = subprocess.Popen(command, stdout=log_file, stderr=log_file, start_new_session=True)
    deadline = time.monotonic() + 20
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"herald: redis-server did not start; see {data / 'redis.log'}")
        time.sleep(0.1)
    return process, url


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a process we started ourselves, waiting for it to save and exit."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(url: str, seconds: float) -> bool:
    """Poll `url` until it answers 200 or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def seed_demo(env: dict[str, str], sandbox_url: str) -> str | None:
    """Seed (or find) the demo workspace; return the login line it prints."""
    if not wait_for(f"{sandbox_url}/_sandbox/state", 60):
        log("the Meta sandbox did not answer; no demo workspace")
        return None
    command = [PYTHON, "-m", "scripts.demo", "--sandbox", sandbox_url]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log(f"seeding the demo workspace failed:\n{result.stderr[-2000:]}")
        return None
    lines = [line for line in result.stdout.splitlines() if line.startswith("demo: log in")]
    return lines[-1].removeprefix("demo: ") if lines else None


def announce(env: dict[str, str], web_url: str, sandbox_url: str | None) -> None:
    """Once the web process answers, seed the demo (with the sandbox) and print where Herald is."""
    if not wait_for(f"{web_url}/healthz", 90):
        log(f"the web process did not become healthy at {web_url}/healthz; see its output above")
        return
    login = seed_demo(env, sandbox_url) if sandbox_url else None
    lines = ["", f"Herald is running at {web_url}"]
    if login:
        lines.append(f"Demo workspace: {login}")
    if sandbox_url:
        lines.append(
            f"Meta sandbox (Facebook stand-in, people simulator) at {sandbox_url}/_sandbox/"
        )
    lines += ["Press Ctrl-C to stop everything.", ""]
    print("\n".join(f"herald: {line}" for line in lines), flush=True)


def build_environment() -> dict[str, str]:
    """The environment every child process gets: .env, then the real environment, then ours."""
    env = {key: value for key, value in dotenv_values(ROOT / ".env").items() if value is not None}
    env.update(os.environ)
    env.setdefault("HERALD_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def main() -> int:
    """Start Redis (if needed), migrate, then run every process under one supervisor."""
    env = build_environment()
    instance = Path(env.get("HERALD_INSTANCE_PATH") or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    host, port = env.get("HERALD_HOST", "127.0.0.1"), int(env.get("HERALD_PORT", "5000"))
    if not port_is_free(host, port):
        log(f"port {port} on {host} is busy; stop what uses it or set HERALD_PORT")
        return 1
    web_url = f"http://{host}:{port}"
    env.setdefault("PUBLIC_URL", web_url)
    processes, sandbox_url = sandbox_process(env, instance)
    if processes is None:
        return 1

    redis_process = None
    if env.get("REDIS_URL") and redis_answers(env["REDIS_URL"]):
        log(f"using Redis at {env['REDIS_URL']}")
    else:
        if env.get("REDIS_URL"):
            log(f"REDIS_URL {env['REDIS_URL']} does not answer; starting a private redis-server")
        redis_process, env["REDIS_URL"] = start_private_redis(instance)
        log(f"private Redis at {env['REDIS_URL']}")
    try:
        return supervise(env, processes, web_url, sandbox_url)
    finally:
        stop(redis_process)


def sandbox_process(
    env: dict[str, str], instance: Path
) -> tuple[dict[str, str] | None, str | None]:
    """The Meta sandbox's command when Herald is not pointed at a real Graph API."""
    if env.get("GRAPH_API_URL"):
        return {}, None
    sandbox_port = int(env.get("SANDBOX_PORT", "5601"))
    if not port_is_free("127.0.0.1", sandbox_port):
        log(f"port {sandbox_port} (Meta sandbox) is busy; stop what uses it or set SANDBOX_PORT")
        return None, None
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env["GRAPH_API_URL"] = env["FACEBOOK_WWW_URL"] = sandbox_url
    db_path = shlex.quote(str(instance / "sandbox.db"))
    command = (
        f"exec {PYTHON} -m sandbox --host 127.0.0.1 --port {sandbox_port} --db {db_path} --demo"
    )
    return {"sandbox": command}, sandbox_url


def supervise(
    env: dict[str, str], processes: dict[str, str], web_url: str, sandbox_url: str | None
) -> int:
    """Migrate, then run web, worker, scheduler (and the sandbox) until Ctrl-C or one exits."""
    log("creating or upgrading the database...")
    migrate = [PYTHON, "-m", "flask", "--app", "app", "db", "upgrade"]
    if subprocess.run(migrate, cwd=ROOT, env=env, check=False).returncode != 0:
        log("database migration failed; see the error above")
        return 1
    host_port = web_url.removeprefix("http://").rsplit(":", 1)
    processes["web"] = (
        f"exec {PYTHON} -m flask --app app run --host {host_port[0]} --port {host_port[1]}"
    )
    processes["worker"] = f"exec {PYTHON} worker.py"
    processes["scheduler"] = f"exec {PYTHON} worker.py scheduler"
    manager = Manager()
    for name, command in processes.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    threading.Thread(target=announce, args=(env, web_url, sandbox_url), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
