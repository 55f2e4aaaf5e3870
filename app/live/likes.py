"""Likes: counted in memory (or Redis), written to the database in batches.

A tap never touches the database: `LikeCounter.add` increments a pending delta and the
running total; `flush_likes` (run every LIKE_FLUSH_SECONDS by a background task) writes
each episode's pending delta with ONE `UPDATE episodes SET like_count = like_count + n`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.core.auth import Actor
from app.core.errors import Conflict, NotFound, RateLimited
from app.episodes.models import Episode
from app.extensions import db
from app.live import broadcast, presence, views
from app.live.access import visible_episode

log = logging.getLogger(__name__)


class LikeCounter:
    """Running like totals and the deltas not yet written to the database."""

    def add(self, episode_id: int, count: int, base: int) -> int:
        """Count taps; returns the new total (base is the stored total, used the first time)."""
        raise NotImplementedError

    def take_pending(self) -> dict[int, int]:
        """Remove and return the deltas to write, {episode_id: n}."""
        raise NotImplementedError

    def restore(self, pending: dict[int, int]) -> None:
        """Put back deltas whose write failed."""
        raise NotImplementedError

    def total(self, episode_id: int) -> int | None:
        """The running total, or None when this counter has not seen the episode."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything (tests)."""


class MemoryLikeCounter(LikeCounter):
    """One process's counters (the embedded default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[int, int] = {}
        self._pending: dict[int, int] = defaultdict(int)

    def add(self, episode_id: int, count: int, base: int) -> int:
        with self._lock:
            total = self._totals.get(episode_id, base) + count
            self._totals[episode_id] = total
            self._pending[episode_id] += count
            return total

    def take_pending(self) -> dict[int, int]:
        with self._lock:
            pending, self._pending = dict(self._pending), defaultdict(int)
        return {k: v for k, v in pending.items() if v}

    def restore(self, pending: dict[int, int]) -> None:
        with self._lock:
            for episode_id, n in pending.items():
                self._pending[episode_id] += n

    def total(self, episode_id: int) -> int | None:
        with self._lock:
            return self._totals.get(episode_id)

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()
            self._pending.clear()


class RedisLikeCounter(LikeCounter):
    """Counters shared by every process through Redis (INCRBY / HINCRBY)."""

    PENDING = "zhibo:likes:pending"

    def __init__(self, url: str) -> None:
        from app.core import redisclient

        self.redis = redisclient.client(url)

    def _total_key(self, episode_id: int) -> str:
        return f"zhibo:likes:total:{episode_id}"

    def add(self, episode_id: int, count: int, base: int) -> int:
        key = self._total_key(episode_id)
        pipe = self.redis.pipeline()
        pipe.set(key, base, nx=True)
        pipe.incrby(key, count)
        pipe.hincrby(self.PENDING, str(episode_id), count)
        return int(pipe.execute()[1])

    def take_pending(self) -> dict[int, int]:
        pipe = self.redis.pipeline(transaction=True)  # MULTI: no increment falls between the two
        pipe.hgetall(self.PENDING)
        pipe.delete(self.PENDING)
        raw = pipe.execute()[0]
        return {int(k): int(v) for k, v in raw.items() if int(v)}

    def restore(self, pending: dict[int, int]) -> None:
        pipe = self.redis.pipeline()
        for episode_id, n in pending.items():
            pipe.hincrby(self.PENDING, str(episode_id), n)
        pipe.execute()

    def total(self, episode_id: int) -> int | None:
        value = self.redis.get(self._total_key(episode_id))
        return int(value) if value is not None else None


_counter: LikeCounter | None = None
_counter_lock = threading.Lock()


def counter() -> LikeCounter:
    """The process's like counter: Redis when REDIS_URL is set, else in memory."""
    global _counter
    with _counter_lock:
        if _counter is None:
            url = current_app.config.get("REDIS_URL")
            _counter = RedisLikeCounter(url) if url else MemoryLikeCounter()
        return _counter


class TapBucket:
    """A token bucket per connection: at most `rate` taps per second (burst `rate`)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.tokens = float(rate)
        self.at = time.monotonic()

    def take(self, count: int) -> int:
        """Take up to count tokens; returns how many were granted."""
        now = time.monotonic()
        self.tokens = min(float(self.rate), self.tokens + (now - self.at) * self.rate)
        self.at = now
        granted = min(count, int(self.tokens))
        self.tokens -= granted
        return granted


#: Per connection (socket id): its tap bucket.
_buckets: dict[str, TapBucket] = {}
#: Per episode: (state, stored likes, monotonic expiry), so a tap never waits on the database.
_targets: dict[int, tuple[str, int, float]] = {}
_targets_lock = threading.Lock()
#: How long an episode's state and stored likes are trusted (seconds).
TARGET_TTL = 1.0


def _like_target(episode_id: int) -> tuple[str, int]:
    """The episode's state and stored likes, cached for TARGET_TTL: taps never wait on the database."""
    now = time.monotonic()
    with _targets_lock:
        cached = _targets.get(episode_id)
    if cached and cached[2] > now:
        return cached[0], cached[1]
    row = db.session.execute(db.select(Episode.state, Episode.like_count).where(Episode.id == episode_id)).first()
    if row is None:
        raise NotFound(_l("No such episode."), code="episode_not_found")
    with _targets_lock:
        _targets[episode_id] = (row.state, row.like_count, now + TARGET_TTL)
    return row.state, row.like_count


def tap(episode_id: int, count: int, *, connection: str, actor: Callable[[], Actor], rate: int) -> tuple[int, int]:
    """Count a connection's like taps on a live episode: (taps accepted, new total).

    `actor` is asked for only when the episode is not live, so that a draft the actor may not
    see is "not found" rather than "not live"; a live tap costs no query.
    """
    state, stored = _like_target(episode_id)
    if state != "live":
        visible_episode(actor(), episode_id)
        raise Conflict(_l("Likes are open only while the episode is live."), code="episode_not_live")
    bucket = _buckets.get(connection)
    if bucket is None:
        bucket = _buckets[connection] = TapBucket(rate)
    accepted = bucket.take(count)
    if not accepted:
        raise RateLimited(_l("Too many likes at once. Please slow down."), code="like_rate_limited")
    return accepted, counter().add(episode_id, accepted, stored)


def forget_connection(connection: str) -> None:
    """Drop a closed connection's tap bucket."""
    _buckets.pop(connection, None)


def reset_taps() -> None:
    """Forget every tap bucket and cached episode state (tests)."""
    _buckets.clear()
    with _targets_lock:
        _targets.clear()


def flush_likes() -> int:
    """Write pending likes: one UPDATE per episode; returns the number of UPDATEs."""
    pending = counter().take_pending()
    if not pending:
        return 0
    try:
        for episode_id, n in sorted(pending.items()):
            db.session.execute(update(Episode).where(Episode.id == episode_id)
                               .values(like_count=Episode.like_count + n)
                               .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        db.session.rollback()
        counter().restore(pending)
        raise
    return len(pending)


def flush_loop(app: Flask, socketio) -> None:
    """Background task: flush likes, views and peak viewers every LIKE_FLUSH_SECONDS."""
    interval = float(app.config.get("LIKE_FLUSH_SECONDS", 1.0))
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                flush_likes()
                views.flush_views()
                # Viewers across every process (Redis) or this one; then the stored peak.
                # Likes too: taps on other processes move the shared total without passing here.
                for episode_id, total in presence.publish_counts().items():
                    broadcast.put_if_changed(episode_id, "viewers", total)
                    liked = counter().total(episode_id)
                    if liked is not None:
                        broadcast.put_if_changed(episode_id, "likes", liked)
                presence.flush_peaks()
                db.session.remove()
        except Exception:  # keep counting whatever one flush did
            log.exception("like flush failed")
