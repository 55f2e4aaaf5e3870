"""Deadlines for whole operations under gevent: a socket event's ack, a request, /healthz.

Socket timeouts bound each Redis reply and PostgreSQL's statement_timeout bounds each statement
on a server that runs, but a server that is frozen (SIGSTOP, a stalled disk, a host that hangs
with its TCP stack alive) answers nothing and no TCP timeout fires: the kernel still
acknowledges the bytes. A deadline ends the operation from our side: gevent raises a Timeout in
the waiting greenlet (psycopg and redis-py wait through gevent's patched select), SQLAlchemy
invalidates the connection it was using, and the caller gets `Unavailable`.

Under threading (the suite's in-process app, CLI tools) a deadline does nothing: nothing there
serves viewers, and only gevent can interrupt a waiting call safely.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.errors import Unavailable


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise Unavailable when the block takes longer than seconds (gevent only; 0/None: no deadline)."""
    if not seconds or seconds <= 0 or not _gevent_patched():
        yield
        return
    import gevent

    timer = gevent.Timeout(seconds)  # a BaseException: SQLAlchemy invalidates the connection it hits
    timer.start()
    try:
        yield
    except gevent.Timeout as error:
        if error is not timer:
            raise
        raise Unavailable() from None
    finally:
        timer.close()
