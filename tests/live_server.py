"""Pytest plugin: the real server process on loopback, plus CI-aware guards.

Registered from tests/conftest.py (`pytest_plugins`). Fixtures:

* ``live_server`` (session): runs ``flask db upgrade`` and ``flask demo load`` on a
  database of its own, then starts ``python wsgi.py`` (gevent, websockets, in-process
  scheduler: exactly what ``make run`` serves) on 127.0.0.1 and a free port, waits
  for /healthz and yields a :class:`LiveServer`. Its database is a SQLite file in its
  own instance dir, or, when DATABASE_URL points at PostgreSQL, a separate database
  created next to the suite's (and dropped at the end).
* ``redis_url`` (session): a real ``redis-server`` on loopback (missing: skipped locally,
  a failure under CI).
* ``require`` (function): ``require(ok, reason)`` skips locally but fails under CI=true,
  where no test group may silently drop out.

A failing test that used the live server gets the server's log lines written during
that test in its report; the whole log is kept in test-artifacts/live-server.log.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_TIMEOUT = 60.0


def in_ci() -> bool:
    """True when running under CI (CI=true), where nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def skip_or_fail(reason: str) -> None:
    """Skip the test locally; fail it under CI (a missing tool there is a broken CI)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required, not skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require():
    """require(condition, reason): skip (locally) or fail (CI) unless condition holds."""
    def _require(condition: bool, reason: str) -> None:
        if not condition:
            skip_or_fail(reason)
    return _require


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- separate PostgreSQL databases (for the live server and the migration test) -------------

def suite_database_url() -> str | None:
    """The suite's PostgreSQL URL (SQLAlchemy form) when DATABASE_URL is set, else None."""
    if not os.environ.get("DATABASE_URL"):
        return None
    from config import _database_url

    url = _database_url("unused")
    return url if url.startswith("postgresql") else None


def create_pg_database(prefix: str) -> str:
    """CREATE DATABASE <prefix>_<random> on the suite's server; returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(suite_database_url())
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """DROP DATABASE (forcing out any connection left open)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- the live server -------------------------------------------------------------------------

@dataclass
class LiveServer:
    """A running `python wsgi.py`."""

    url: str
    port: int
    instance_dir: Path
    database_url: str
    log_path: Path
    env: dict = field(repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)
    demo_output: str = ""

    def log_text(self, start: int = 0) -> str:
        """The server's combined stdout/stderr from byte offset start."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def flask(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `flask ARGS…` against the live server's instance and database."""
        return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)


def run_flask(env: dict, *args: str, timeout: float = 180) -> str:
    """Run `flask ARGS` in env (a server's environment); its stdout, failing the test on an error."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"flask {args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def run_app_python(env: dict, code: str, timeout: float = 120) -> str:
    """Run Python code inside an app context in env (`db` is in scope); its stdout."""
    script = ("from app import create_app\nfrom app.extensions import db\napp = create_app()\n"
              "with app.app_context():\n" + "".join(f"    {line}\n" for line in code.splitlines()))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"python failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _server_env(instance_dir: Path, port: int, database_url: str | None) -> dict:
    env = os.environ.copy()
    # The suite's own settings must not leak into the server process.
    for name in ("DATABASE_URL", "TEST_DATABASE_URL", "SOCKETIO_MESSAGE_QUEUE", "REDIS_URL",
                 "SCHEDULER_MODE", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        env.pop(name, None)
    env.update({
        "ZHIBO_ENV": "development",
        "ZHIBO_ASYNC": "gevent",  # what `make run` serves (the suite itself uses threading)
        "ZHIBO_INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secrets.token_hex(32),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "FLASK_APP": "wsgi:app",
        "PYTHONUNBUFFERED": "1",
        # Journeys reload a page right after another user changed it; anonymous visitors may see a
        # public page up to PAGE_CACHE_SECONDS old (by design), so the journeys run without it.
        # The cache itself is tested in tests/test_pagecache.py.
        "PAGE_CACHE_SECONDS": "0",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _wait_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"/healthz answered {response.status}"
        except urllib.error.HTTPError as error:
            last_error = f"/healthz answered {error.code}"
        except OSError as error:
            last_error = str(error)
        time.sleep(0.2)
    raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT:.0f}s: {last_error}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real server (`python wsgi.py`) on 127.0.0.1:<free port>, demo data loaded."""
    base = tmp_path_factory.mktemp("live-server")
    instance_dir = base / "instance"
    instance_dir.mkdir()
    pg_url = create_pg_database("zhibo_live") if suite_database_url() else None
    port = free_port()
    env = _server_env(instance_dir, port, pg_url)
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, instance_dir=instance_dir,
                        database_url=pg_url or f"sqlite:///{instance_dir / 'zhibo.sqlite3'}",
                        log_path=base / "server.log", env=env)
    try:
        for args in (("db", "upgrade"), ("demo", "load")):
            done = server.flask(*args)
            if done.returncode != 0:
                pytest.fail(f"`flask {' '.join(args)}` for the live server failed "
                            f"({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
            if args[0] == "demo":
                server.demo_output = done.stdout
        with open(server.log_path, "wb") as log:
            server.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env,
                                              stdin=subprocess.DEVNULL, stdout=log,
                                              stderr=subprocess.STDOUT)
        try:
            _wait_healthy(server)
        except RuntimeError as error:
            _stop(server.process)
            pytest.fail(f"live server did not start: {error}\n--- server output ---\n"
                        f"{server.log_text()[-8000:]}", pytrace=False)
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(server.log_path, ARTIFACTS / "live-server.log")
            unexpected = server.process.returncode not in (0, -15, 143)
            if unexpected:
                sys.stderr.write(f"\nlive server exited with {server.process.returncode}; its log:\n"
                                 f"{server.log_text()[-8000:]}\n")
        if pg_url:
            drop_pg_database(pg_url)


def start_redis(base: Path, port: int | None = None) -> tuple[subprocess.Popen, int]:
    """A real redis-server on 127.0.0.1:<port> (a free one by default; nothing saved), answering PING."""
    server = shutil.which("redis-server")
    if server is None:
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    port = port or free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(base)],
                               stdout=open(base / "redis.log", "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return process, port
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            _stop(process)
            raise RuntimeError(f"redis-server did not start: {(base / 'redis.log').read_text()[-2000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server for the session; its URL (database 0)."""
    process, port = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


# --- attach the server's log to failing tests that used it ------------------------------------

_LOG_START = pytest.StashKey[int]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if "live_server" not in getattr(item, "fixturenames", ()):
        return
    server = item.funcargs.get("live_server") if hasattr(item, "funcargs") else None
    if not isinstance(server, LiveServer):
        return
    if call.when == "setup":
        item.stash[_LOG_START] = server.log_size()
    if report.failed:
        text = server.log_text(item.stash.get(_LOG_START, 0))[-8000:]
        report.sections.append(("live server log", text or "(nothing logged during this test)"))
