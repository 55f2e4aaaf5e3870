"""Who is in which room: current viewers and their peak.

Each process counts the joins and leaves it sees. With REDIS_URL set (several processes
behind a message queue), every process also publishes its counts once a second to a Redis
hash per episode, and the room's viewer count is the sum of the fresh entries: a process
that died stops counting after PRESENCE_STALE_SECONDS.
"""
from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections import defaultdict

from flask import current_app

from app.core import redisclient
from app.core.db import unit_of_work
from app.episodes.services import record_peak

#: An entry older than this (a process that stopped publishing) no longer counts.
PRESENCE_STALE_SECONDS = 5
_PROCESS = f"{socket.gethostname()}:{os.getpid()}"

_lock = threading.Lock()
#: episode id → the connection ids (sids) in its room
_rooms: dict[int, set[str]] = defaultdict(set)
#: sid → the episodes it joined
_joined: dict[str, set[int]] = defaultdict(set)
#: episode id → highest count seen since the last flush
_peaks: dict[int, int] = {}


def viewer_key(user_id: int | None, browser_key: object, sid: str) -> str:
    """"u:<id>" for users; "a:<hash>" of the browser's key (or the connection) for anonymous viewers."""
    if user_id is not None:
        return f"u:{user_id}"
    raw = browser_key if isinstance(browser_key, str) and 8 <= len(browser_key) <= 100 else sid
    return "a:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def join(episode_id: int, sid: str) -> tuple[int, bool]:
    """Count sid in the room; returns (current viewers, whether it is new in the room)."""
    with _lock:
        new = sid not in _rooms[episode_id]
        _rooms[episode_id].add(sid)
        _joined[sid].add(episode_id)
        current = len(_rooms[episode_id])
        if current > _peaks.get(episode_id, 0):
            _peaks[episode_id] = current
        return current, new


def leave(episode_id: int, sid: str) -> int:
    """Stop counting sid in the room; returns the current viewers."""
    with _lock:
        _rooms[episode_id].discard(sid)
        _joined[sid].discard(episode_id)
        current = len(_rooms[episode_id])
        if not current:
            _rooms.pop(episode_id, None)
        return current


def disconnect(sid: str) -> dict[int, int]:
    """Remove sid from every room; returns {episode id: current viewers} of the rooms it left."""
    with _lock:
        episodes = _joined.pop(sid, set())
    return {episode_id: leave(episode_id, sid) for episode_id in episodes}


def current(episode_id: int) -> int:
    """Current viewers of the episode in this process."""
    with _lock:
        return len(_rooms.get(episode_id, ()))


def _redis_client():
    """The Redis client for shared counts, or None on the embedded default."""
    url = current_app.config.get("REDIS_URL")
    return redisclient.client(url) if url else None


def _key(episode_id: int) -> str:
    return f"zhibo:viewers:{episode_id}"


def publish_counts() -> dict[int, int]:
    """Share this process's counts and return every room's total across processes.

    Without Redis the totals are this process's own counts.
    """
    with _lock:
        local = {episode_id: len(sids) for episode_id, sids in _rooms.items()}
        known = set(local) | set(_published)
    client = _redis_client()
    if client is None:
        return local
    url = current_app.config["REDIS_URL"]
    if not redisclient.available(url):
        return local  # Redis is down (docs/outages.md): this process's own counts meanwhile
    try:
        return _publish_shared(client, local, known)
    except redisclient.errors() as error:
        redisclient.mark_down(url, error)
        return local


def _publish_shared(client, local: dict[int, int], known: set[int]) -> dict[int, int]:
    """Publish local counts to Redis and sum every process's fresh ones."""
    now = time.time()
    pipe = client.pipeline()
    for episode_id in known:
        pipe.hset(_key(episode_id), _PROCESS, f"{local.get(episode_id, 0)}:{now:.3f}")
        pipe.expire(_key(episode_id), 3600)
    pipe.execute()
    with _lock:
        _published.clear()
        _published.update(episode_id for episode_id, n in local.items() if n)
    totals = {}
    for episode_id in known:
        totals[episode_id] = _fresh_sum(client.hgetall(_key(episode_id)), now)
        with _lock:
            if totals[episode_id] > _peaks.get(episode_id, 0):
                _peaks[episode_id] = totals[episode_id]
    return totals


def _fresh_sum(entries: dict, now: float) -> int:
    """Sum "count:timestamp" entries published within PRESENCE_STALE_SECONDS."""
    total = 0
    for value in entries.values():
        count, _, at = value.decode().partition(":")
        if now - float(at or 0) <= PRESENCE_STALE_SECONDS:
            total += int(count)
    return total


#: Episodes this process published a non-zero count for (so it can publish their zero).
_published: set[int] = set()


def flush_peaks() -> None:
    """Raise each episode's stored peak to the highest count seen (episodes service)."""
    with _lock:
        peaks = dict(_peaks)
        _peaks.clear()
    if not peaks:
        return
    with unit_of_work():
        for episode_id, count in peaks.items():
            record_peak(episode_id, count)


def reset() -> None:
    """Forget every room (tests)."""
    with _lock:
        _rooms.clear()
        _joined.clear()
        _peaks.clear()
        _published.clear()
