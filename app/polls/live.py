"""Live results: votes mark a poll dirty; a Batcher broadcasts its results at most ~4×/s.

Whatever the vote rate, each watched poll gets one `results` event per interval with the
current counts read from the database. Polls whose counts are hidden broadcast nothing
countable while open (not even the number of voters): watchers only learn of state changes.
"""
from __future__ import annotations

import threading

from flask import Flask, current_app

from app.core.fanout import Batcher

NAMESPACE = "/polls"
#: Seconds between broadcasts of one poll's results (at most 4 per second).
INTERVAL = 0.25

batcher = Batcher("results", NAMESPACE, interval=INTERVAL)
_dirty: set[int] = set()
_lock = threading.Lock()
_started = False


def poll_room(poll_id: int) -> str:
    """The Socket.IO room of a poll's watchers."""
    return f"poll:{poll_id}"


def mark_dirty(poll_id: int) -> None:
    """Note that a poll's results changed (called after the commit); start the loop once."""
    with _lock:
        _dirty.add(poll_id)
    ensure_started(current_app._get_current_object())


def collect(app: Flask) -> int:
    """Read the results of every dirty poll and queue them on the batcher; returns how many."""
    from app.extensions import db
    from app.polls.models import Poll
    from app.polls.queries import results

    with _lock:
        ids = sorted(_dirty)
        _dirty.clear()
    if not ids:
        return 0
    with app.app_context():
        try:
            for poll in db.session.query(Poll).filter(Poll.id.in_(ids)):
                body = results(poll)
                if body.visible:
                    batcher.put(poll_room(poll.id), "results", body.as_dict())
        finally:
            db.session.remove()
    return len(ids)


def flush(app: Flask) -> int:
    """Collect dirty polls and emit their batches now (the loop's one step; tests call it)."""
    from app.extensions import socketio

    collect(app)
    return batcher.flush(socketio)


def ensure_started(app: Flask) -> None:
    """Start the background loop once per process (not under TESTING: tests call flush)."""
    global _started
    if app.config.get("TESTING"):
        return
    with _lock:
        if _started:
            return
        _started = True
    from app.extensions import socketio

    def loop() -> None:
        while True:
            socketio.sleep(INTERVAL)
            try:
                flush(app)
            except Exception:  # keep broadcasting whatever one round did
                import logging

                logging.getLogger(__name__).exception("poll results flush failed")

    socketio.start_background_task(loop)
