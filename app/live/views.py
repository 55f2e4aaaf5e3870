"""Views (distinct viewers of an episode): noted at the join, written to the database in batches.

A join never touches the episode row. Before, every first-time join ran `INSERT … ON CONFLICT`
plus `UPDATE episodes SET view_count = view_count + 1` inside the join, and on PostgreSQL a join
storm queued on that one row lock (docs/performance.md). Now `note` adds the viewer's key to a
pending set (in Redis when REDIS_URL is set, so that a process killed before its flush loses
nothing; else in memory) and `flush_views`, run every LIKE_FLUSH_SECONDS by the like flusher,
writes each episode's pending keys with `record_viewers`: one multi-row INSERT of the distinct
viewers and one `UPDATE … view_count + n` per episode per flush, in one transaction. So
view_count is exact once the pending keys are written: within a flush interval while live, and
for good after the end (keys noted before the end are flushed after it; joins of an episode
that is not live are not noted).
"""
from __future__ import annotations

import threading

from flask import current_app

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


class RedisViewLedger(ViewLedger):
    """Pending keys shared by every process: a Redis set per episode and a set of those episodes."""

    EPISODES = "zhibo:views:episodes"
    #: Keys taken from Redis in one SPOP: a flush after a storm of 100,000 joins still writes in steps.
    TAKE = 5000

    def __init__(self, url: str) -> None:
        from app.core import redisclient

        self.redis = redisclient.client(url)

    def _key(self, episode_id: int) -> str:
        return f"zhibo:views:pending:{episode_id}"

    def note(self, episode_id: int, key: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.sadd(self._key(episode_id), key)
        pipe.sadd(self.EPISODES, episode_id)
        pipe.execute()

    def take_pending(self) -> dict[int, set[str]]:
        # SPOP is atomic: two processes flushing at once never take the same key.
        pending: dict[int, set[str]] = {}
        for raw in self.redis.smembers(self.EPISODES):
            episode_id = int(raw)
            keys = self.redis.spop(self._key(episode_id), self.TAKE) or []
            if keys:
                pending[episode_id] = {k.decode() for k in keys}
            else:  # empty: forget the episode (a join noted since re-adds it)
                self.redis.srem(self.EPISODES, episode_id)
        return pending

    def restore(self, pending: dict[int, set[str]]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for episode_id, keys in pending.items():
            pipe.sadd(self._key(episode_id), *keys)
            pipe.sadd(self.EPISODES, episode_id)
        pipe.execute()

    def reset(self) -> None:
        for raw in self.redis.smembers(self.EPISODES):
            self.redis.delete(self._key(int(raw)))
        self.redis.delete(self.EPISODES)


_ledger: ViewLedger | None = None
_ledger_lock = threading.Lock()


def ledger() -> ViewLedger:
    """The process's ledger: Redis when REDIS_URL is set, else in memory."""
    global _ledger
    with _ledger_lock:
        if _ledger is None:
            url = current_app.config.get("REDIS_URL")
            _ledger = RedisViewLedger(url) if url else MemoryViewLedger()
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
