"""The one scheduler: sweeps that select what is due and act on it idempotently.

`make run` starts it inside the web process (guarded by a file lock so a second
process never starts another); production runs `flask scheduler run` alone and
web processes set SCHEDULER_MODE=external.
"""
from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable
from pathlib import Path

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.core import clock
from app.core.db import unit_of_work

log = logging.getLogger(__name__)

#: (job id, seconds between runs, function taking `now`). Later areas append their sweeps.
JOBS: list[tuple[str, int, Callable]] = []
_lock_file = None


def sweep(job_id: str, every_seconds: int):
    """Register a function `fn(now)` as a periodic sweep."""
    def decorate(fn: Callable) -> Callable:
        JOBS.append((job_id, every_seconds, fn))
        return fn
    return decorate


def run_job(app: Flask, fn: Callable) -> None:
    """Run one sweep in an app context and a unit of work; log, never crash the scheduler."""
    with app.app_context():
        try:
            with unit_of_work():
                fn(clock.now())
        except Exception:  # a failed run is retried at the next interval
            log.exception("scheduled job %s failed", fn.__name__)


def run_all_once(app: Flask) -> None:
    """Run every sweep once (on start, so what fell due during downtime is handled)."""
    for _, _, fn in JOBS:
        run_job(app, fn)


#: Key of the PostgreSQL advisory lock held by the one scheduler (any 64-bit number; "zhibo").
ADVISORY_LOCK_KEY = 0x7A6869626F
_lock_connection = None


def _acquire_lock(app: Flask) -> bool:
    """Take the scheduler lock; False if another process holds it.

    On PostgreSQL the lock is a session advisory lock, so it holds across hosts and
    is released by the server if the process dies; on SQLite a file lock in instance/.
    """
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return _acquire_advisory_lock(app)
    return _acquire_file_lock(app)


def _acquire_advisory_lock(app: Flask) -> bool:
    """Hold pg_try_advisory_lock on a dedicated connection for the life of the process."""
    global _lock_connection
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": ADVISORY_LOCK_KEY}).scalar()
        connection.commit()
    if not taken:
        connection.close()
        return False
    _lock_connection = connection
    return True


def _acquire_file_lock(app: Flask) -> bool:
    """Take instance/scheduler.lock with flock."""
    global _lock_file
    path = Path(app.instance_path) / "scheduler.lock"
    handle = open(path, "w")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _lock_file = handle
    return True


def _add_jobs(scheduler, app: Flask) -> None:
    for job_id, seconds, fn in JOBS:
        scheduler.add_job(run_job, "interval", seconds=seconds, args=[app, fn], id=job_id,
                          coalesce=True, max_instances=1, misfire_grace_time=None)


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    """Start the background scheduler in this web process if no other process holds it."""
    if app.config["SCHEDULER_MODE"] != "inprocess":
        return None
    if not _acquire_lock(app):
        log.info("scheduler already running in another process; not starting")
        return None
    run_all_once(app)
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler, app)
    scheduler.start()
    app.extensions["zhibo_scheduler"] = scheduler
    return scheduler


#: Modules whose `@sweep` functions the scheduler runs (each area's jobs.py, once it exists).
SWEEP_MODULES = ("app.notifications.jobs", "app.accounts.jobs", "app.polls.jobs", "app.episodes.jobs", "app.live.jobs",
                 "app.observers.jobs", "app.findings.jobs", "app.stats.jobs", "app.parties.jobs")


def _load_sweeps() -> None:
    """Import every area's jobs module so its sweeps register (once: imports are cached)."""
    import importlib
    import importlib.util

    for name in SWEEP_MODULES:
        package = name.rpartition(".")[0]
        if importlib.util.find_spec(package) is not None and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def init_app(app: Flask) -> None:
    """Load the sweeps and register `flask scheduler run`."""
    _load_sweeps()

    @app.cli.group("scheduler")
    def scheduler_cli() -> None:
        """Run the scheduler process."""

    @scheduler_cli.command("run")
    @click.option("--once", is_flag=True, help="Run every sweep once and exit.")
    def run(once: bool) -> None:
        """Run the one scheduler in the foreground (production)."""
        if once:
            run_all_once(app)
            return
        if not _acquire_lock(app):
            raise click.ClickException("another scheduler holds the lock")
        run_all_once(app)
        blocking = BlockingScheduler(timezone="UTC")
        _add_jobs(blocking, app)
        click.echo(f"scheduler running {len(JOBS)} sweeps")
        blocking.start()
