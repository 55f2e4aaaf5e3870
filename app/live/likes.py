"""Likes: counted in memory (or Redis), written to the database in batches.

A tap never touches the database: `LikeCounter.add` increments a pending delta and the
running total; `flush_likes` (run every LIKE_FLUSH_SECONDS by a background task) writes
each episode's pending delta with ONE `UPDATE episodes SET like_count = like_count + n`.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.core.auth import Actor
from app.core.deadline import deadline
from app.core.errors import Conflict, NotFound, RateLimited, Unavailable, dependency_error
from app.episodes.models import Episode
from app.extensions import db
from app.live import broadcast, presence, relay, views
from app.live.access import visible_episode

log = logging.getLogger(__name__)


class LikeCounter:
    """Running like totals and the deltas not yet written to the database.

    A flush takes the pending deltas as one batch that stays *held* until `confirm` (after the
    database commit): a failed write is simply tried again with the same batch, so no delta is
    lost or written twice whatever fails in between.
    """

    def add(self, episode_id: int, count: int, base: int) -> int:
        """Count taps; returns the new total (base is the stored total, used the first time)."""
        raise NotImplementedError

    def sync(self) -> None:
        """Share this process's taps with the other processes (Redis); nothing to do in memory."""

    def take_pending(self) -> dict[int, int]:
        """The held batch of deltas to write, {episode_id: n} (the same one until confirmed)."""
        raise NotImplementedError

    def confirm(self) -> None:
        """The held batch is in the database: forget it."""
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
        self._held: dict[int, int] = {}

    def add(self, episode_id: int, count: int, base: int) -> int:
        with self._lock:
            total = self._totals.get(episode_id, base) + count
            self._totals[episode_id] = total
            self._pending[episode_id] += count
            return total

    def take_pending(self) -> dict[int, int]:
        with self._lock:
            if not self._held:
                self._held = {k: v for k, v in self._pending.items() if v}
                self._pending = defaultdict(int)
            return dict(self._held)

    def confirm(self) -> None:
        with self._lock:
            self._held = {}

    def total(self, episode_id: int) -> int | None:
        with self._lock:
            return self._totals.get(episode_id)

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()
            self._pending.clear()
            self._held = {}


#: Adds a process's taps to the shared totals and the shared pending hash, once per token: a push
#: whose reply was lost (a Redis that froze, a timeout) is sent again with the same token and
#: counted once. KEYS: token, pending hash, then one total key per episode; ARGV: token TTL, then
#: (episode id, taps, stored base) per episode. Returns the totals.
_PUSH = """
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
local totals = {}
for i = 3, #KEYS do
  local j = (i - 3) * 3 + 2
  if fresh then
    redis.call('SET', KEYS[i], ARGV[j + 2], 'NX')
    redis.call('INCRBY', KEYS[i], ARGV[j + 1])
    redis.call('HINCRBY', KEYS[2], ARGV[j], ARGV[j + 1])
  end
  totals[#totals + 1] = tonumber(redis.call('GET', KEYS[i]))
end
return totals
"""
#: Moves the shared pending hash to this flush's own key (once per token) and returns it, so a
#: flush whose reply was lost finds its batch again instead of losing it. KEYS: pending, held.
_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return redis.call('HGETALL', KEYS[2])
"""


class RedisLikeCounter(LikeCounter):
    """Counters shared by every process through Redis, fed by each process once per flush.

    A tap counts in this process only (no round trip; nothing to fail); `sync` pushes the taps in
    one idempotent script call per LIKE_FLUSH_SECONDS. While Redis is down the taps wait here and
    go out when it answers again (docs/outages.md), and the totals shown are the last shared ones
    plus this process's own.
    """

    PENDING = "zhibo:likes:pending"
    #: Seconds a push token or a held batch survives in Redis (far longer than any outage we ride out).
    TOKEN_TTL = 86_400

    def __init__(self, url: str) -> None:
        from app.core import redisclient

        self.url = url
        self.redis = redisclient.client(url)
        self._push_script = self.redis.register_script(_PUSH)
        self._take_script = self.redis.register_script(_TAKE)
        self._lock = threading.Lock()
        self._taps: dict[int, int] = defaultdict(int)  # not yet in a push
        self._bases: dict[int, int] = {}
        self._push: tuple[str, dict[int, int]] | None = None  # (token, taps) sent, not yet acknowledged
        self._shared: dict[int, int] = {}  # last totals read from Redis
        #: (token, batch or None while not read back, written to the database)
        self._held: tuple[str, dict[int, int] | None, bool] | None = None

    def _total_key(self, episode_id: int) -> str:
        return f"zhibo:likes:total:{episode_id}"

    def _local(self, episode_id: int) -> int:
        """This process's taps not yet acknowledged by Redis."""
        pushing = self._push[1].get(episode_id, 0) if self._push else 0
        return self._taps.get(episode_id, 0) + pushing

    def add(self, episode_id: int, count: int, base: int) -> int:
        with self._lock:
            self._taps[episode_id] += count
            self._bases[episode_id] = base
            return self._shared.get(episode_id, base) + self._local(episode_id)

    def sync(self) -> None:
        from app.core import redisclient

        with self._lock:
            if self._push is None and self._taps:
                self._push, self._taps = (secrets.token_hex(8), dict(self._taps)), defaultdict(int)
            push, bases = self._push, dict(self._bases)
        if push is None or not redisclient.available(self.url):
            return
        token, taps = push
        episodes = sorted(taps)
        args: list = [self.TOKEN_TTL]
        for episode_id in episodes:
            args += [episode_id, taps[episode_id], bases.get(episode_id, 0)]
        try:
            totals = self._push_script(keys=[f"zhibo:likes:push:{token}", self.PENDING,
                                             *map(self._total_key, episodes)], args=args)
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return  # the same push, same token, next time
        with self._lock:
            self._push = None
            self._shared.update({e: int(t) for e, t in zip(episodes, totals) if t is not None})

    def take_pending(self) -> dict[int, int]:
        from app.core import redisclient

        with self._lock:
            held = self._held
        if held is not None and held[2]:
            self.confirm()  # written but not yet released in Redis
            with self._lock:
                if self._held is not None:
                    return {}
            held = None
        if held is not None and held[1] is not None:
            return dict(held[1])
        if not redisclient.available(self.url):
            return {}
        token = held[0] if held is not None else secrets.token_hex(8)
        with self._lock:
            self._held = (token, None, False)  # before the call: a lost reply is found by this token
        try:
            raw = self._take_script(keys=[self.PENDING, f"zhibo:likes:held:{token}"], args=[self.TOKEN_TTL])
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return {}
        pairs = dict(zip(raw[::2], raw[1::2]))
        batch = {int(k): int(v) for k, v in pairs.items() if int(v)}
        with self._lock:
            self._held = (token, batch, False) if pairs else None
        return dict(batch)

    def confirm(self) -> None:
        from app.core import redisclient

        with self._lock:
            if self._held is None:
                return
            token = self._held[0]
            self._held = (token, self._held[1], True)
        try:
            self.redis.delete(f"zhibo:likes:held:{token}")
        except redisclient.errors() as error:
            redisclient.mark_down(self.url, error)
            return  # released at the next flush; never written twice
        with self._lock:
            self._held = None

    def total(self, episode_id: int) -> int | None:
        from app.core import redisclient

        if redisclient.available(self.url):
            try:
                value = self.redis.get(self._total_key(episode_id))
            except redisclient.errors() as error:
                redisclient.mark_down(self.url, error)
            else:
                if value is not None:
                    with self._lock:
                        self._shared[episode_id] = int(value)
        with self._lock:
            shared = self._shared.get(episode_id)
            local = self._local(episode_id)
            if shared is None and not local:
                return None
            return (shared if shared is not None else self._bases.get(episode_id, 0)) + local

    def reset(self) -> None:
        with self._lock:
            self._taps.clear()
            self._bases.clear()
            self._push = None
            self._shared.clear()
            self._held = None


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


def _bucket_clock() -> float:
    """The tap buckets' clock (monotonic seconds; tests hold it still)."""
    return time.monotonic()


class TapBucket:
    """A token bucket per connection: at most `rate` taps per second (burst `rate`)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.tokens = float(rate)
        self.at = _bucket_clock()

    def take(self, count: int) -> int:
        """Take up to count tokens; returns how many were granted."""
        now = _bucket_clock()
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
#: Seconds a tap waits to re-read a known episode, and how long the old reading is kept when the
#: database does not answer.
TARGET_DEADLINE = 1.0
OUTAGE_TTL = 5.0


def _like_target(episode_id: int) -> tuple[str, int]:
    """The episode's state and stored likes, cached for TARGET_TTL: taps never wait on the database."""
    now = time.monotonic()
    with _targets_lock:
        cached = _targets.get(episode_id)
    if cached and cached[2] > now:
        return cached[0], cached[1]
    try:
        with deadline(TARGET_DEADLINE if cached else None):
            row = db.session.execute(db.select(Episode.state, Episode.like_count)
                                     .where(Episode.id == episode_id)).first()
    except Exception as error:
        if cached is None or (dependency_error(error) is None and not isinstance(error, Unavailable)):
            raise
        # The database is down: go on with what we knew, so taps keep counting (written on recovery),
        # and ask again only after OUTAGE_TTL, not on every tap.
        db.session.rollback()
        with _targets_lock:
            _targets[episode_id] = (cached[0], cached[1], now + OUTAGE_TTL)
        return cached[0], cached[1]
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
    """Write pending likes: one UPDATE per episode; returns the number of UPDATEs.

    The batch stays held until the commit succeeded, and is written again after any failure.
    The deadline is long (LIKE_FLUSH_TIMEOUT): given up while a frozen server may still commit
    it, a batch would be written twice.
    """
    likes = counter()
    likes.sync()
    pending = likes.take_pending()
    if not pending:
        return 0
    try:
        with deadline(current_app.config.get("LIKE_FLUSH_TIMEOUT", 60.0)):
            for episode_id, n in sorted(pending.items()):
                db.session.execute(update(Episode).where(Episode.id == episode_id)
                                   .values(like_count=Episode.like_count + n)
                                   .execution_options(synchronize_session=False))
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    likes.confirm()
    return len(pending)


def flush_loop(app: Flask, socketio) -> None:
    """Background task: flush likes, views and peak viewers every LIKE_FLUSH_SECONDS.

    Each step fails on its own (a Redis or database outage): the others go on, and everything
    held is tried again at the next round, so the loop itself never stops.
    """
    interval = float(app.config.get("LIKE_FLUSH_SECONDS", 1.0))
    while True:
        socketio.sleep(interval)
        with app.app_context():
            _step("like flush", flush_likes)
            _step("views", views.flush_views)
            _step("live counts", _publish_counts)
            _step("peak viewers", presence.flush_peaks)
            _step("relay outbox", lambda: relay.flush_outbox(app))
            db.session.remove()


def _publish_counts() -> None:
    """Viewers across every process (Redis) or this one; likes too (taps elsewhere move the total)."""
    for episode_id, total in presence.publish_counts().items():
        broadcast.put_if_changed(episode_id, "viewers", total)
        liked = counter().total(episode_id)
        if liked is not None:
            broadcast.put_if_changed(episode_id, "likes", liked)


#: Steps of the flush loop failing because a dependency is down (logged once per outage).
_failing: set[str] = set()


def _step(name: str, step: Callable[[], object]) -> None:
    """Run one step of the flush loop; a failure is logged (once per outage as a warning) and left."""
    try:
        step()
    except Exception as error:  # keep counting whatever one step did
        db.session.rollback()
        if dependency_error(error) is None and not isinstance(error, Unavailable):
            log.exception("%s failed", name)
        elif name not in _failing:
            _failing.add(name)
            log.warning("%s: dependency unavailable (%s); trying again every round", name, error)
    else:
        if name in _failing:
            _failing.discard(name)
            log.warning("%s: working again", name)
