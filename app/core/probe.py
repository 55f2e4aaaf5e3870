"""A diagnostic probe for benchmarks: database round trips and the event loop's scheduling delay.

Off unless PROBE_FILE is set (bench/live passes it with --probe). It answers the question
"where does a comment's time go on PostgreSQL": under gevent every network round trip hands the
CPU to whichever greenlets are ready, and the answer comes back only when the hub gets round to
the waiting greenlet. The probe measures both sides:

- **statements**: count and wall time per statement verb (SELECT, INSERT, UPDATE, …) and per
  commit, from the driver's call to its return: the server's work *plus* the wait for a turn;
- **hub delay**: a greenlet asks to sleep 5 ms, 20 times a second; how much later it runs is
  how long any greenlet woken by a reply waits for the CPU (the scheduling delay).

Written as JSON to PROBE_FILE (`{pid}` is replaced by the process id) on SIGUSR1 and at exit;
forgotten on SIGUSR2, which the bench sends when the load phase begins (joins do not count).
"""
from __future__ import annotations

import atexit
import json
import os
import signal
import threading
import time
from collections import defaultdict

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

_SLEEP = 0.005
_lock = threading.Lock()
_calls: dict[str, list[float]] = defaultdict(list)
_delays: list[float] = []


def _verb(statement: str) -> str:
    head = statement.lstrip().split(None, 1)
    word = head[0].upper() if head else "?"
    return "WITH" if word == "WITH" else word


def _record(kind: str, seconds: float) -> None:
    with _lock:
        _calls[kind].append(seconds)


def _before(conn, cursor, statement, parameters, context, executemany) -> None:
    conn.info["probe_t0"] = time.perf_counter()


def _after(conn, cursor, statement, parameters, context, executemany) -> None:
    started = conn.info.pop("probe_t0", None)
    if started is not None:
        _record(_verb(statement), time.perf_counter() - started)


def _time_commits(dialect) -> None:
    """Time every COMMIT (SQLAlchemy has no event after a commit: wrap the dialect's)."""
    commit = dialect.do_commit

    def do_commit(dbapi_connection) -> None:
        started = time.perf_counter()
        commit(dbapi_connection)
        _record("COMMIT", time.perf_counter() - started)

    dialect.do_commit = do_commit


def _quantiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"n": len(ordered), "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2),
            "p50_ms": q(0.5), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": round(ordered[-1] * 1000, 2)}


def report() -> dict:
    """Round trips per kind and the hub's scheduling delay, as quantiles."""
    with _lock:
        return {"statements": {kind: _quantiles(values) for kind, values in sorted(_calls.items())},
                "hub_delay": _quantiles(_delays)}


def reset(*_args) -> None:
    """Forget what was measured so far (the load phase begins)."""
    with _lock:
        _calls.clear()
        _delays.clear()


def _hub_delay_loop(sleep) -> None:
    while True:
        started = time.perf_counter()
        sleep(_SLEEP)
        late = time.perf_counter() - started - _SLEEP
        with _lock:
            _delays.append(max(0.0, late))
        sleep(0.05 - _SLEEP)


def install(app: Flask, socketio) -> None:
    """Start probing when PROBE_FILE is configured; write the report there at exit."""
    path = app.config.get("PROBE_FILE")
    if not path:
        return
    path = path.replace("{pid}", str(os.getpid()))  # several processes, one setting
    event.listen(Engine, "before_cursor_execute", _before)
    event.listen(Engine, "after_cursor_execute", _after)
    with app.app_context():
        _time_commits(db.engine.dialect)
    socketio.start_background_task(_hub_delay_loop, socketio.sleep)

    def write(*_args) -> None:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(report(), out, indent=1)

    atexit.register(write)
    signal.signal(signal.SIGUSR2, reset)
    signal.signal(signal.SIGUSR1, write)
