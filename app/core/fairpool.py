"""A connection pool that serves requests waiting for a connection in the order they came.

SQLAlchemy's QueuePool lets a request that arrives while a connection is free take it, even when
others have been waiting: a returned connection only wakes a waiter, which runs at a later turn
of the hub, and by then a newcomer may have taken it. In a surge (1,000 voters at once, bench/poll)
newcomers kept arriving, so a few requests waited the whole `DB_POOL_TIMEOUT` and got 503s while
the median waited 0.2 s (PostgreSQL: p50 173 ms, p95 7.6 s). Here a returned connection is handed
straight to the longest waiter, and a newcomer queues behind the waiters.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.pool import QueuePool
from sqlalchemy.util import queue as sqla_queue

_NOTHING = object()


class _Waiter:
    """One request waiting for a connection; `item` is set when one is handed to it."""

    __slots__ = ("event", "item")

    def __init__(self) -> None:
        self.event = threading.Event()  # gevent's under monkey-patching
        self.item: Any = _NOTHING


class FairQueue(sqla_queue.Queue):
    """SQLAlchemy's pool queue, first come first served: a put hands its item to the oldest waiter."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self.waiters: deque[_Waiter] = deque()
        #: Where an item handed to a waiter that gave up goes (the pool: to the next, or closed).
        self.give_back: Callable[[Any], None] = lambda item: self.put(item, False)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Hand item to the oldest waiter, else keep it (Full when there is no room: it is closed)."""
        with self.mutex:
            if self.waiters:
                waiter = self.waiters.popleft()
                waiter.item = item
                waiter.event.set()
                return
            if self._full():
                raise sqla_queue.Full
            self._put(item)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """An item now when nobody waits, else wait in line (Empty after timeout, or at once unblocked)."""
        with self.mutex:
            if not self.waiters and not self._empty():
                return self._get()
            if not block:
                raise sqla_queue.Empty
            waiter = _Waiter()
            self.waiters.append(waiter)
        try:
            waiter.event.wait(timeout)
        except BaseException:  # a request deadline (gevent.Timeout) while in line
            item = self._leave(waiter)
            if item is not _NOTHING:  # handed over just as it gave up: not lost to the pool
                self.give_back(item)
            raise
        item = self._leave(waiter)
        if item is _NOTHING:
            raise sqla_queue.Empty
        return item

    def _leave(self, waiter: _Waiter) -> Any:
        """Take the waiter out of line; the item handed to it, if any."""
        with self.mutex:
            if waiter.item is _NOTHING:
                try:
                    self.waiters.remove(waiter)
                except ValueError:
                    pass
            return waiter.item


class FairQueuePool(QueuePool):
    """QueuePool whose waiting checkouts are served in arrival order."""

    _queue_class = FairQueue

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool.give_back = self._do_return_conn  # type: ignore[attr-defined]
