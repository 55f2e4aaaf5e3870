"""Views (distinct viewers of an episode): noted at the join, written to the database in batches.

A join never touches the episode row. Before, every first-time join ran `INSERT … ON CONFLICT`
plus `UPDATE episodes SET view_count = view_count + 1` inside the join, and on PostgreSQL a join
storm queued on that one row lock (docs/performance.md). Now `note` adds the viewer's key to this
process's pending set and `flush_views`, run every LIKE_FLUSH_SECONDS by the like flusher, writes
each episode's pending keys with `record_viewers`: one multi-row INSERT of the distinct viewers
(ON CONFLICT DO NOTHING: several processes may note the same viewer) and one
`UPDATE … view_count + n` per episode per flush, in one transaction. So view_count is exact once
the pending keys are written: within a flush interval while live, and for good after the end
(keys noted before the end are flushed after it; joins of an episode that is not live are not
noted).

Why in memory even with Redis: a first version kept the pending keys in a Redis set, so that a
process killed before its flush lost none. It cost every join one more Redis round trip, and in
a storm of 300 joins at once the process's Redis pool (100 connections) ran out (failed joins,
tests/scaleout/test_joins.py). A process killed within a second of a viewer's join loses that
key only if the viewer never comes back: its reconnect to another (or the restarted) process
is a join, and notes it again.
"""
from __future__ import annotations

import threading

from app.core import clock
from app.episodes.services import record_viewers
from app.extensions import db


class ViewLedger:
    """Viewer keys noted at joins and not yet written to the database."""

    def note(self, episode_id: int, key: str) -> None:
        """Note that the viewer with this key joined the episode."""
        raise NotImplementedError

    def take_pending(self) -> dict[int, set[str]]:
        """Remove and return the keys to write, {episode_id: keys}."""
        raise NotImplementedError

    def restore(self, pending: dict[int, set[str]]) -> None:
        """Put back keys whose write failed."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything (tests)."""


class MemoryViewLedger(ViewLedger):
    """One process's pending keys (the embedded default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, set[str]] = {}

    def note(self, episode_id: int, key: str) -> None:
        with self._lock:
            self._pending.setdefault(episode_id, set()).add(key)

    def take_pending(self) -> dict[int, set[str]]:
        with self._lock:
            pending, self._pending = self._pending, {}
        return pending

    def restore(self, pending: dict[int, set[str]]) -> None:
        for episode_id, keys in pending.items():
            with self._lock:
                self._pending.setdefault(episode_id, set()).update(keys)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()


_ledger: ViewLedger | None = None
_ledger_lock = threading.Lock()


def ledger() -> ViewLedger:
    """The process's ledger (in memory, with or without Redis: see the module's docstring)."""
    global _ledger
    with _ledger_lock:
        if _ledger is None:
            _ledger = MemoryViewLedger()
        return _ledger


def note(episode_id: int, key: str) -> None:
    """Note a viewer of a live episode (written by the next flush_views)."""
    ledger().note(episode_id, key)


def flush_views() -> int:
    """Write pending viewers: per episode one INSERT of the new keys and one UPDATE; returns new views."""
    pending = ledger().take_pending()
    if not pending:
        return 0
    now, added = clock.now(), 0
    try:
        for episode_id, keys in sorted(pending.items()):
            added += record_viewers(episode_id, keys, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        ledger().restore(pending)
        raise
    return added
