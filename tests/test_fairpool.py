"""The connection pool serves waiting requests in arrival order (app/core/fairpool.py)."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import exc

from app.core import fairpool
from app.core.fairpool import FairQueue, FairQueuePool
from app.extensions import db


def _pool(**options) -> FairQueuePool:
    return FairQueuePool(lambda: sqlite3.connect(":memory:", check_same_thread=False), **options)


def _wait_in_line(pool: FairQueuePool, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(pool._pool.waiters) < n:
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.005)


def test_a_returned_connection_goes_to_the_longest_waiter_not_to_a_newcomer():
    pool = _pool(pool_size=1, max_overflow=0, timeout=10)
    held = pool.connect()
    served: list[str] = []

    def wait_for_one(name: str) -> None:
        conn = pool.connect()
        served.append(name)
        conn.close()

    threads = []
    for i, name in enumerate(("first", "second", "third")):
        thread = threading.Thread(target=wait_for_one, args=(name,))
        thread.start()
        threads.append(thread)
        _wait_in_line(pool, i + 1)
    held.close()  # back to the pool: handed to "first"
    wait_for_one("newcomer")  # arrives after the three: waits its turn instead of barging in
    for thread in threads:
        thread.join(10)
    assert served == ["first", "second", "third", "newcomer"]
    assert pool.checkedout() == 0 and pool._pool.qsize() == 1
    pool.dispose()


def test_a_waiter_times_out_with_the_pool_s_timeout_and_leaves_the_line():
    pool = _pool(pool_size=1, max_overflow=0, timeout=0.2)
    held = pool.connect()
    with pytest.raises(exc.TimeoutError):
        pool.connect()
    assert not pool._pool.waiters
    held.close()
    again = pool.connect()  # the line is clear: served at once
    assert pool.checkedout() == 1
    again.close()
    pool.dispose()


def test_a_connection_handed_to_a_request_that_is_giving_up_is_not_lost(monkeypatch):
    queue = FairQueue(2)

    class Deadline(BaseException):
        """What gevent.Timeout is: a request deadline firing while the request waits."""

    class UnluckyWaiter(fairpool._Waiter):
        def __init__(self) -> None:
            super().__init__()
            outer = self

            class Event:
                def wait(self, timeout=None):
                    queue.put("connection")  # handed over first in line …
                    assert outer.item == "connection"
                    raise Deadline  # … just as the deadline fires

                def set(self):
                    pass

            self.event = Event()

    monkeypatch.setattr(fairpool, "_Waiter", UnluckyWaiter)
    with pytest.raises(Deadline):
        queue.get(True, 5)
    assert not queue.waiters
    assert queue.get(False) == "connection"  # back in the pool for the next request


def test_the_app_s_file_and_server_databases_use_the_fair_pool(app):
    assert isinstance(db.engine.pool, FairQueuePool)
