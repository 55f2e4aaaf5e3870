"""A production-shaped site whose Redis and PostgreSQL the outage tests stop and start again.

One real web process (`python wsgi.py`, gevent) with REDIS_URL and the Socket.IO message queue on
a real redis-server, and either the suite's kind of database or a throwaway PostgreSQL server of
its own (the same binaries scripts/pg_test_server.sh uses), so that a PostgreSQL outage can be
tested in the SQLite run of the suite too. Timeouts are set short so an outage of a few seconds
shows everything a 30 s one would (docs/outages.md).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio
from sqlalchemy.pool import NullPool

from tests.live_server import (ROOT, _server_env, _stop, create_pg_database, drop_pg_database, free_port,
                               run_app_python, run_flask, skip_or_fail, start_redis, suite_database_url)

PASSWORD = "outage-pass-1"
#: Short on purpose: the tests' outages last seconds, not the issue's 30 s.
SHORT_TIMEOUTS = {
    "REDIS_SOCKET_TIMEOUT": "0.5", "REDIS_CONNECT_TIMEOUT": "0.5", "REDIS_RETRY_SECONDS": "1",
    "SOCKET_ACK_TIMEOUT": "2", "HEALTHZ_TIMEOUT": "1", "REQUEST_TIMEOUT": "5",
    "DB_CONNECT_TIMEOUT": "2", "DB_POOL_TIMEOUT": "2", "DB_STATEMENT_TIMEOUT_MS": "3000",
    "LIKE_FLUSH_SECONDS": "0.5",
}


class Postgres:
    """A throwaway PostgreSQL server on 127.0.0.1 that can be frozen (SIGSTOP) and stopped."""

    def __init__(self, base: Path) -> None:
        found = subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh"), "--check"],
                               capture_output=True, text=True)
        if found.returncode != 0:
            skip_or_fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bindir = Path(found.stdout.strip())
        # Not under pytest's base: that is private to the user running the suite, and the server
        # runs as `postgres` when that user is root (as scripts/pg_test_server.sh does).
        self.dir = Path(tempfile.mkdtemp(prefix="zhibo-outage-pg."))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = os.getuid() == 0  # initdb refuses root
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "zhibo")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/zhibo"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool) if (self.bindir / tool).exists() else tool, *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self.dir, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{tool} failed:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        """Start (again) on the same port and data."""
        # synchronous_commit stays on: an immediate stop must not lose what was committed (the
        # operating system keeps running, so fsync=off loses nothing).
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop at once, as a crash would (connections dropped, no goodbye)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and every backend."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def signal(self, signum: int) -> None:
        """Send signum to the whole server (SIGSTOP freezes it: the kernel still accepts connections)."""
        for pid in self.pids():
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def destroy(self) -> None:
        self.signal(signal.SIGCONT)
        try:
            self.stop()
        except AssertionError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Site:
    """The running web process, its Redis and its database."""

    base: Path
    env: dict
    redis_port: int
    redis: subprocess.Popen
    url: str = ""
    web: subprocess.Popen | None = None
    pg: Postgres | None = None
    pg_url: str | None = None
    episode_id: int = 0
    _engine: object = None

    def flask(self, *args: str) -> str:
        return run_flask(self.env, *args)

    def python(self, code: str) -> str:
        """Run Python with an app context on the site's database (outside any outage); stdout."""
        return run_app_python(self.env, code)

    def freeze_redis(self) -> None:
        self.redis.send_signal(signal.SIGSTOP)

    def thaw_redis(self) -> None:
        self.redis.send_signal(signal.SIGCONT)

    def stop_redis(self) -> None:
        _stop(self.redis)

    def start_redis_again(self) -> None:
        self.redis, _ = start_redis(self.base, self.redis_port)

    def health(self) -> tuple[int, dict]:
        answer = requests.get(self.url + "/healthz", timeout=10)
        return answer.status_code, answer.json()

    def wait_health(self, wanted: int, timeout: float = 30) -> dict:
        """Poll /healthz until it answers `wanted` (200 or 503); its body."""
        deadline = time.monotonic() + timeout
        status, body = None, {}
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise AssertionError(f"the web process exited with {self.web.returncode}\n{self.log()}")
            try:
                status, body = self.health()
            except requests.RequestException as error:  # still starting
                status, body = None, {"error": str(error)}
            if status == wanted:
                return body
            time.sleep(0.2)
        raise AssertionError(f"/healthz stayed {status} {body}, wanted {wanted}\n{self.log()}")

    def _query(self, sql: str, **params) -> list:
        """Read the site's database directly (outside any outage of it)."""
        from sqlalchemy import create_engine, text

        from config import _database_url

        if self._engine is None:
            url = self.env.get("DATABASE_URL")
            url = _database_url("unused") if url is None else url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            if not url.startswith("postgresql"):
                url = f"sqlite:///{self.base / 'instance' / 'zhibo.sqlite3'}"
            self._engine = create_engine(url, poolclass=NullPool)
        with self._engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def stored_likes(self) -> int:
        return self._query("SELECT like_count FROM episodes WHERE id = :id", id=self.episode_id)[0][0]

    def stored_bodies(self) -> set[str]:
        return {r[0] for r in self._query("SELECT body FROM comments WHERE episode_id = :id", id=self.episode_id)}

    def login(self, username: str) -> requests.Session:
        http = requests.Session()
        page = http.get(f"{self.url}/account/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = http.post(f"{self.url}/account/login", allow_redirects=False, timeout=10,
                           data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.text
        return http

    def log(self) -> str:
        logs = sorted(self.base.glob("*.log")) + ([self.pg.dir / "server.log"] if self.pg else [])
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-6000:]}" for p in logs if p.exists())

    def stop(self) -> None:
        if self.redis.poll() is None:
            self.thaw_redis()
        for process in (self.web, self.redis):
            if process is not None:
                _stop(process)
        if self._engine is not None:
            self._engine.dispose()
        if self.pg is not None:
            self.pg.destroy()
        if self.pg_url:
            drop_pg_database(self.pg_url)


def start_site(base: Path, *, own_postgres: bool = False, timeouts: dict | None = None) -> Site:
    """Redis, a database with the demo loaded and a live episode, one web process with short timeouts.

    `timeouts` replaces SHORT_TIMEOUTS (bench/outage.py passes {} for the production defaults).
    """
    redis, redis_port = start_redis(base)
    pg = Postgres(base) if own_postgres else None
    pg_url = create_pg_database("zhibo_outage") if pg is None and suite_database_url() else None
    port = free_port()
    env = _server_env(base / "instance", port, pg.url if pg else pg_url)
    env.update(SHORT_TIMEOUTS if timeouts is None else timeouts, **{
        "SOCKETIO_MESSAGE_QUEUE": f"redis://127.0.0.1:{redis_port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        "SCHEDULER_MODE": "external", "SECRET_KEY": secrets.token_hex(32),
        "COMMENT_RATE_USER": "1000/minute", "COMMENT_RATE_IP": "1000/minute",
        "LIKE_RATE_PER_SECOND": "1000",
    })
    site = Site(base=base, env=env, redis_port=redis_port, redis=redis, pg=pg, pg_url=pg_url)
    try:
        site.flask("db", "upgrade")
        site.flask("demo", "load")
        for username, role in (("out_coord", "coordinator"), ("out_alice", "public")):
            site.flask("users", "create", "--username", username, "--display-name", username,
                       "--role", role, "--password", PASSWORD)
        with open(base / "web.log", "ab") as log:
            site.web = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
        site.url = f"http://127.0.0.1:{port}"
        site.wait_health(200, timeout=60)
        coordinator = site.login("out_coord")
        scheduled = coordinator.get(f"{site.url}/api/v1/episodes?state=scheduled", timeout=10).json()["data"]
        site.episode_id = scheduled[0]["id"]
        console = coordinator.get(f"{site.url}/episodes/{site.episode_id}/console", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', console).group(1)
        coordinator.post(f"{site.url}/episodes/{site.episode_id}/console/state", timeout=10,
                         data={"step": "go_live", "csrf_token": token}, allow_redirects=False)
        state = coordinator.get(f"{site.url}/api/v1/episodes/{site.episode_id}", timeout=10).json()["data"]["state"]
        assert state == "live", state
    except BaseException:
        print(site.log())
        site.stop()
        raise
    return site


class Client:
    """A real Socket.IO client in the episode's room, recording what it is sent."""

    def __init__(self, site: Site, http: requests.Session | None = None) -> None:
        self.site = site
        self.client = socketio.Client(reconnection=False)
        self.lock = threading.Lock()
        self.bodies: list[str] = []
        self.likes: list[int] = []
        self.batches = 0
        self.client.on("batch", self._batch, namespace="/live")
        cookie = "; ".join(f"{k}={v}" for k, v in (http.cookies.items() if http else []))
        self.client.connect(site.url, namespaces=["/live"], transports=["websocket"],
                            headers={"Cookie": cookie} if cookie else {}, wait_timeout=10)
        ack = self.call("join", {"episode_id": site.episode_id})
        assert ack["ok"], ack

    def _batch(self, batch: dict) -> None:
        with self.lock:
            self.batches += 1
            self.bodies += [i["body"] for i in batch.get("items", []) if i.get("type") == "comment"]
            if "likes" in batch:
                self.likes.append(batch["likes"])

    def call(self, event: str, payload: dict, timeout: float = 15) -> dict:
        return self.client.call(event, payload, namespace="/live", timeout=timeout)

    def comment(self, body: str) -> dict:
        return self.call("comment", {"episode_id": self.site.episode_id, "body": body})

    def like(self, count: int) -> int:
        """Tap count likes in one message; the taps accepted."""
        ack = self.call("like", {"episode_id": self.site.episode_id, "count": count})
        assert ack["ok"], ack
        return ack["accepted"]

    def wait_for(self, predicate, timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def wait_stored_likes(site: Site, expected: int, timeout: float = 20) -> int:
    """Poll the stored total until it reaches expected (or the timeout); the last value read."""
    deadline = time.monotonic() + timeout
    stored = site.stored_likes()
    while stored < expected and time.monotonic() < deadline:
        time.sleep(0.3)
        stored = site.stored_likes()
    return stored


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
