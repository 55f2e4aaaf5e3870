"""Likes: taps counted in memory (or Redis), written to the database in batches.

A tap never touches the database: `LikeCounter.add` (app/live/likecounters.py) increments a
pending delta and the running total; `flush_likes` (run every LIKE_FLUSH_SECONDS by a background task) writes
each episode's pending delta with ONE `UPDATE episodes SET like_count = like_count + n`.
"""
from __future__ import annotations

import logging
import threading
import time
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
from app.live.likecounters import counter

log = logging.getLogger(__name__)


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
