"""A small production-shaped cluster on loopback: Redis, two web processes, one scheduler.

The database is the suite's kind: a separate PostgreSQL database in the PostgreSQL run,
a shared SQLite file (WAL) in the SQLite run.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live_server import (ROOT, _server_env, create_pg_database, drop_pg_database, free_port,
                               run_app_python, run_flask, start_redis, suite_database_url)


@dataclass
class Cluster:
    """The running processes and how to reach them."""

    base: Path
    env: dict
    redis_port: int
    web: dict[str, subprocess.Popen] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    scheduler: subprocess.Popen | None = None
    redis: subprocess.Popen | None = None
    pg_url: str | None = None

    def flask(self, *args: str) -> str:
        """Run `flask ARGS` against the cluster's database; return stdout."""
        return run_flask(self.env, *args)

    def python(self, code: str) -> str:
        """Run Python code with an app context on the cluster's database; return stdout."""
        return run_app_python(self.env, code)

    def start_web(self, name: str, port: int | None = None) -> None:
        """Start one single-worker web process (what gunicorn+gevent runs per process), on port if given."""
        port = port or free_port()
        env = dict(self.env, PORT=str(port))
        log = open(self.base / f"web-{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.web[name] = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env,
                                          stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.urls[name] = f"http://127.0.0.1:{port}"
        _wait(self.urls[name] + "/healthz", self.web[name])

    def port(self, name: str) -> int:
        """The port web process name listens on."""
        return int(self.urls[name].rsplit(":", 1)[1])

    def kill_web(self, name: str) -> None:
        """SIGKILL a web process: no clean shutdown, nothing flushed."""
        process = self.web[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        """The tail of every process's log."""
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.base.glob("*.log")))

    def stop(self) -> None:
        """Stop everything started."""
        for process in [*self.web.values(), self.scheduler, self.redis]:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.pg_url:
            drop_pg_database(self.pg_url)


def _wait(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def start_cluster(base: Path) -> Cluster:
    """Redis, database with demo data, web processes A and B, and the scheduler process."""
    pg_url = create_pg_database("zhibo_scale") if suite_database_url() else None
    redis, redis_port = start_redis(base)
    env = _server_env(base / "instance", 0, pg_url)
    env.update({
        "SOCKETIO_MESSAGE_QUEUE": f"redis://127.0.0.1:{redis_port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "SCHEDULER_MODE": "external",  # web processes never run jobs
        "SECRET_KEY": secrets.token_hex(32),  # shared: a session works on every process
        # One test user posts dozens of comments within seconds; the limits are not under test here.
        "COMMENT_RATE_USER": "1000/minute", "COMMENT_RATE_IP": "1000/minute",
    })
    cluster = Cluster(base=base, env=env, redis_port=redis_port, pg_url=pg_url, redis=redis)
    try:
        cluster.flask("db", "upgrade")
        cluster.flask("demo", "load")
        for name in ("a", "b"):
            cluster.start_web(name)
        cluster.scheduler = subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "run"], cwd=ROOT,
                                             env=env, stdin=subprocess.DEVNULL,
                                             stdout=open(base / "scheduler.log", "ab"),  # noqa: SIM115
                                             stderr=subprocess.STDOUT)
    except Exception:
        cluster.stop()
        raise
    return cluster


def token(cluster: Cluster, username: str) -> str:
    """A personal API token for a demo user."""
    return cluster.flask("users", "token", username, "--name", "scale-out test").strip().splitlines()[-1]


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
