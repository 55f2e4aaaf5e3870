"""Batched fan-out: many events per room become one Socket.IO message per interval.

One emit per comment per viewer melts a server at a few thousand viewers; one emit
per room per 250 ms holds them. Producers call `add(room, item)` after their commit;
a background task flushes each room's buffer as a single event `{items: [...]}`.
For values where only the latest matters (counts), `put(room, key, value)` keeps the
last value per key. With `latest_every`, counts that change alone (a join storm, a like
storm) go out at most that often per room; they still ride along with every batch of items.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any, Callable


class Batcher:
    """Per-room buffers flushed as one event each interval."""

    def __init__(self, event: str, namespace: str, interval: float = 0.25, latest_every: float = 0.0,
                 clock: Callable[[], float] = time.monotonic,
                 order: Callable[[list[Any]], list[Any]] | None = None) -> None:
        self.event = event
        self.namespace = namespace
        self.interval = interval
        self.latest_every = latest_every
        self._clock = clock
        self._order = order
        self._latest_sent: dict[str, float] = {}
        #: Extra arguments of every emit: {"ignore_queue": True} sends to this process's clients only.
        self.emit_options: dict[str, Any] = {}
        #: Instead of socketio.emit: send(socketio, event, data, room, namespace) to this process's clients.
        self.send: Callable[..., Any] | None = None
        self._items: dict[str, list[Any]] = defaultdict(list)
        self._latest: dict[str, dict[str, Any]] = defaultdict(dict)
        #: Batches of items drained per room: see generation().
        self._generations: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._started = False
        #: Called before each flush (the live room releases items a missing seq held back).
        self.before_flush: Callable[[], None] | None = None

    def add(self, room: str, item: Any) -> None:
        """Queue an item for the room's next batch."""
        with self._lock:
            self._items[room].append(item)

    def generation(self, room: str) -> int:
        """How many batches of items were taken for the room so far (counted when drained, before sending).

        A snapshot of what the room shows, read from the database after this was read, holds
        everything a newcomer would otherwise have missed for as long as the number is unchanged:
        items not yet drained still reach whoever is in the room when they are sent.
        """
        with self._lock:
            return self._generations[room]

    def put(self, room: str, key: str, value: Any) -> None:
        """Set the latest value of key for the room's next batch (older values are dropped)."""
        with self._lock:
            self._latest[room][key] = value

    def drain(self) -> dict[str, dict[str, Any]]:
        """Take every room's pending batch: {room: {"items": [...], **latest}}.

        A room with only latest values, sent less than `latest_every` ago, keeps them for later.
        """
        now = self._clock()
        batches: dict[str, dict[str, Any]] = {}
        with self._lock:
            items, latest = self._items, self._latest
            self._items, self._latest = defaultdict(list), defaultdict(dict)
            for room in set(items) | set(latest):
                if not items.get(room) and now - self._latest_sent.get(room, -1e18) < self.latest_every:
                    self._latest[room] = latest[room]
                    continue
                batch: dict[str, Any] = dict(latest.get(room, {}))
                if items.get(room):
                    batch["items"] = self._order(items[room]) if self._order else items[room]
                    self._generations[room] += 1
                if latest.get(room):
                    self._latest_sent[room] = now
                batches[room] = batch
        return batches

    def reset(self) -> None:
        """Forget everything pending and when counts were last sent (tests)."""
        with self._lock:
            self._items, self._latest = defaultdict(list), defaultdict(dict)
            self._latest_sent.clear()

    def flush(self, socketio) -> int:
        """Emit each pending batch once; returns the number of events sent."""
        if self.before_flush is not None:
            self.before_flush()
        batches = self.drain()
        for room, batch in batches.items():
            if self.send is not None:
                self.send(socketio, self.event, batch, room, self.namespace)
            else:
                socketio.emit(self.event, batch, to=room, namespace=self.namespace, **self.emit_options)
        return len(batches)

    def start(self, socketio) -> None:
        """Start the flushing loop once per process (a Socket.IO background task)."""
        with self._lock:
            if self._started:
                return
            self._started = True

        def loop() -> None:
            while True:
                socketio.sleep(self.interval)
                try:
                    self.flush(socketio)
                except Exception:  # keep flushing whatever one batch did
                    import logging

                    logging.getLogger(__name__).exception("fan-out flush failed")

        socketio.start_background_task(loop)
