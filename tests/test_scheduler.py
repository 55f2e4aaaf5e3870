"""The scheduler: one holder per instance, and sweeps that fail without harm."""
from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select

from app import scheduler
from app.core import realtime
from app.extensions import db
from app.notifications.models import Heartbeat


@pytest.fixture
def lock_app(tmp_path):
    """A fresh app with its own instance directory; the lock it takes is released afterwards."""
    fresh = Flask("lock_test", instance_path=str(tmp_path))
    fresh.config["SCHEDULER_MODE"] = "inprocess"
    fresh.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    yield fresh
    if scheduler._lock_file is not None:
        scheduler._lock_file.close()
        scheduler._lock_file = None


def test_the_lock_is_taken_once(lock_app):
    assert scheduler._acquire_lock(lock_app) is True
    first = scheduler._lock_file

    assert scheduler._acquire_lock(lock_app) is False
    assert scheduler._lock_file is first  # the holder keeps its lock


def test_the_lock_is_free_again_once_released(lock_app):
    assert scheduler._acquire_lock(lock_app) is True
    scheduler._lock_file.close()
    scheduler._lock_file = None

    assert scheduler._acquire_lock(lock_app) is True


def test_start_in_process_does_nothing_while_another_holds_the_lock(lock_app, monkeypatch):
    assert scheduler._acquire_lock(lock_app) is True
    ran = []
    monkeypatch.setattr(scheduler, "run_all_once", lambda app: ran.append(app))

    assert scheduler.start_in_process(lock_app) is None
    assert ran == []
    assert "zhibo_scheduler" not in lock_app.extensions


def test_start_in_process_is_off_in_the_test_config(app, monkeypatch):
    ran = []
    monkeypatch.setattr(scheduler, "run_all_once", lambda a: ran.append(a))

    assert app.config["SCHEDULER_MODE"] == "off"
    assert scheduler.start_in_process(app) is None
    assert ran == []


def _failing_sweep(now):
    db.session.add(Heartbeat(name="half-done", beat_at=now, holder="x"))
    db.session.flush()  # written to the transaction, not yet committed
    realtime.after_commit(lambda: _broadcasts.append("from the failed sweep"))
    raise RuntimeError("sweep broke")


_broadcasts: list[str] = []


def test_a_failing_sweep_is_logged_and_rolled_back(app, caplog):
    _broadcasts.clear()

    with caplog.at_level(logging.ERROR, logger="app.scheduler"):
        scheduler.run_job(app, _failing_sweep)  # does not raise

    failed = [r for r in caplog.records if "scheduled job _failing_sweep failed" in r.getMessage()]
    assert failed and failed[0].exc_info[0] is RuntimeError
    db.session.expire_all()
    assert db.session.scalar(select(Heartbeat).where(Heartbeat.name == "half-done")) is None
    assert _broadcasts == []  # side effects of the failed run were dropped


def test_the_next_sweep_runs_normally_after_a_failure(app):
    _broadcasts.clear()
    scheduler.run_job(app, _failing_sweep)

    def good_sweep(now):
        db.session.add(Heartbeat(name="fine", beat_at=now, holder="y"))
        realtime.after_commit(lambda: _broadcasts.append("after commit"))

    scheduler.run_job(app, good_sweep)

    db.session.expire_all()
    names = set(db.session.scalars(select(Heartbeat.name)))
    assert names == {"fine"}
    assert _broadcasts == ["after commit"]


def test_run_all_once_keeps_going_past_a_failing_sweep(app, monkeypatch):
    monkeypatch.setattr(scheduler, "JOBS", [("broken", 60, _failing_sweep), *scheduler.JOBS])

    scheduler.run_all_once(app)

    db.session.expire_all()
    assert db.session.get(Heartbeat, "scheduler") is not None
    assert db.session.get(Heartbeat, "half-done") is None


def test_scheduler_once_command_beats(app, runner):
    result = runner.invoke(args=["scheduler", "run", "--once"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Heartbeat, "scheduler") is not None


def test_one_scheduler_per_database_on_either_engine(app):
    """The suite's own engine: an advisory lock on PostgreSQL, a file lock on SQLite."""
    try:
        assert scheduler._acquire_lock(app) is True
        assert scheduler._acquire_lock(app) is False
    finally:
        if scheduler._lock_connection is not None:
            scheduler._lock_connection.close()
            scheduler._lock_connection = None
        if scheduler._lock_file is not None:
            scheduler._lock_file.close()
            scheduler._lock_file = None
