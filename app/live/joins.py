"""What a join's ack carries of the room (history, pinned item), shared by every joiner for a moment.

A join storm is thousands of viewers asking for the same thing: the room's last 50 comments
(or, after a restart, what came after the same last seq) and its pinned item. Loading and
shaping 50 comments with their authors was two thirds of a join's CPU (≈ 7 ms), so one
process could not answer more than ~150 joins a second. `room_view` builds it once per room
and last seq and shares it while it is fresh.

Fresh means exact, not "recent enough". A joiner joins the room *before* it reads the view, so
every item that reaches the room's batcher (from this process or through the relay) and is sent
after that reaches it in a batch; what it could miss is only an item already sent. So an entry is
used only while the batcher has drained no batch of items for the room since the entry was
started (`Batcher.generation`, read before building): with 0.5 s batches a busy room's view is
rebuilt at most twice a second, however fast comments come. Clients drop an item they have twice
(by id). ROOM_VIEW_SECONDS bounds what changes without an item (an author renamed) and the memory
of idle rooms.

The episode row a join needs (`join_target`) is shared for JOIN_TARGET_SECONDS too, as the like
path does (likes.TARGET_TTL): in a storm on PostgreSQL each join's query held a pooled connection
while the greenlet waited for its turn in gevent's hub behind thousands of others, and the pool
ran out (QueuePool timeouts, failed joins). The cost: for up to a second after the episode goes
live or ends, a join's ack may carry the old state, and such a join is counted as a view (or not)
by that old state.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select

from app.core.auth import Actor
from app.episodes.models import Episode
from app.episodes.queries import PUBLIC_STATES
from app.episodes.rooms import episode_room
from app.extensions import db
from app.live import broadcast, comments, likecounters, relay
from app.live.access import visible_episode
from app.live.batch import batcher

#: Longest an entry is shared, changed or not (seconds).
ROOM_VIEW_SECONDS = 2.0
#: Entries kept per room (distinct last seqs of resuming viewers).
PER_ROOM = 64
#: How long a public episode's row is shared by joins (seconds).
JOIN_TARGET_SECONDS = 1.0
#: episode id → (its row, monotonic expiry); public episodes only (visible to everyone)
#: ("row", episode id) → (its row, monotonic expiry), public episodes only; ("likes", episode id) → (total, expiry)
_shared_values: dict[tuple, tuple[Any, float]] = {}
#: key of _shared_values → the lock of whoever reads it now
_readers: dict[tuple, threading.Lock] = {}
#: (episode id, last seq) → the lock of whoever builds that view
_building: dict[tuple[int, int | None], threading.Lock] = {}

_lock = threading.Lock()
#: (episode id, last seq or None) → (room generation, monotonic time built, the view)
_views: dict[tuple[int, int | None], tuple[int, float, dict[str, Any]]] = {}
_EPISODES = Episode.__table__
#: What a join needs of its episode, as a plain row: loading the ORM entity (32 columns, identity
#: map, events) was a fifth of a join storm's server CPU.
_JOIN_TARGET = select(_EPISODES.c.id, _EPISODES.c.number, _EPISODES.c.state, _EPISODES.c.live_at,
                      _EPISODES.c.slow_mode_seconds, _EPISODES.c.like_count
                      ).where(_EPISODES.c.id == bindparam("episode_id"))
#: The pins, read with the history (a pin is an item of the room's batch: the view is rebuilt after it).
_PINS = select(_EPISODES.c.pinned_comment_id, _EPISODES.c.pinned_note_id).where(_EPISODES.c.id == bindparam("episode_id"))


def join_target(actor: Actor, episode_id: int):
    """The episode a viewer joins (id, number, state, live_at, slow mode, likes), if the actor may see it.

    A public episode is visible to everyone: one plain row, shared for JOIN_TARGET_SECONDS.
    Anything else goes through visible_episode, which refuses or admits (the coordinator and
    the episode's agencies see drafts).
    """
    row = _shared(("row", episode_id), lambda: _public_row(episode_id))
    return row if row is not None else visible_episode(actor, episode_id)


def _public_row(episode_id: int):
    row = db.session.execute(_JOIN_TARGET, {"episode_id": episode_id}).first()
    return row if row is not None and row.state in PUBLIC_STATES else None


def _shared(key: tuple, read) -> Any:
    """read(), shared for JOIN_TARGET_SECONDS: one reader at a time; during a refresh the others keep the old value.

    The first read of a key makes the others wait for it (greenlets: the lock yields): a storm's
    first joiners all reading at once emptied the connection pool (too many clients on PostgreSQL).
    """
    with _lock:
        cached = _shared_values.get(key)
        lock = _readers.setdefault(key, threading.Lock())
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    if cached is not None and not lock.acquire(blocking=False):
        return cached[0]  # being refreshed by another join
    if cached is None:
        lock.acquire()
    try:
        with _lock:
            again = _shared_values.get(key)
        if again is not None and again[1] > time.monotonic():
            return again[0]
        value = read()
        if value is not None:
            with _lock:
                _shared_values[key] = (value, time.monotonic() + JOIN_TARGET_SECONDS)
        return value
    finally:
        lock.release()


def last_seq(episode_id: int) -> int:
    """The last comment seq handed out (for relay.watch), read by one of a storm's first joiners for all.

    relay.watch asks for it once per room and process, but every joiner that arrives before the
    first answer asks too: 150 first joiners on a fresh process took 150 connections (too many
    clients on PostgreSQL). They now wait for the one reader and share its answer.
    """
    from app.live import seqs  # the comment path's module; imported here to keep the join's imports light

    return _shared(("seq", episode_id), lambda: seqs.last(episode_id))


def likes_total(episode) -> int:
    """The running like total for a join's ack, shared for JOIN_TARGET_SECONDS (the next batch carries newer).

    One Redis read per join used one of the process's pooled Redis connections through a turn in
    gevent's hub: 300 joins at once emptied the pool (100) and failed (tests/scaleout/test_joins.py).
    """
    def read() -> int:
        total = likecounters.counter().total(episode.id)
        return total if total is not None else episode.like_count
    return _shared(("likes", episode.id), read)


def _fresh(key: tuple[int, int | None], room: str) -> dict[str, Any] | None:
    """The shared view for key if no batch of the room's items was drained since it was started."""
    generation, now = batcher.generation(room), time.monotonic()
    with _lock:
        found = _views.get(key)
    if found is not None and found[0] == generation and now - found[1] < ROOM_VIEW_SECONDS:
        return found[2]
    return None


def room_view(episode, last_seq: int | None) -> dict[str, Any]:
    """The ack's comments, more, last_seq, pinned (and hidden, when resuming) for this room and last seq."""
    room, key = episode_room(episode.id), (episode.id, last_seq)
    view = _fresh(key, room)
    if view is not None:
        return view
    with _lock:
        building = _building.setdefault(key, threading.Lock())
    # One join builds, the others of the storm wait for it (greenlets: the lock yields) and check again:
    # without this, every joiner arriving while the first query ran queried too.
    with building:
        view = _fresh(key, room)
        if view is not None:
            return view
        generation, now = batcher.generation(room), time.monotonic()  # read before building
        rows, more = comments.history(episode.id, last_seq)
        view = {"comments": [broadcast.comment_item(c) for c in rows], "more": more,
                "last_seq": rows[-1].seq if rows else last_seq or 0,
                "pinned": comments.pinned_item(db.session.execute(_PINS, {"episode_id": episode.id}).one())}
        if last_seq:
            view["hidden"] = comments.hidden_since(episode.id, last_seq)
        forget_stale()
        if relay.enabled(current_app) and relay.subscribed() is not True:
            return view  # items published elsewhere may not reach this process yet: share nothing
        with _lock:
            if sum(1 for k in _views if k[0] == episode.id) >= PER_ROOM:
                for k in [k for k in _views if k[0] == episode.id]:
                    del _views[k]
            _views[key] = (generation, now, view)
    return view


def forget_stale() -> None:
    """Drop entries past ROOM_VIEW_SECONDS (whenever a view is built)."""
    now = time.monotonic()
    with _lock:
        for key in [k for k, v in _views.items() if now - v[1] >= ROOM_VIEW_SECONDS]:
            del _views[key]
        for key in [k for k, v in _shared_values.items() if v[1] <= now]:
            del _shared_values[key]
        for key in [k for k, lock in _building.items() if k not in _views and not lock.locked()]:
            del _building[key]


def reset() -> None:
    """Forget every entry (tests)."""
    with _lock:
        _views.clear()
        _shared_values.clear()
        _readers.clear()
        _building.clear()
