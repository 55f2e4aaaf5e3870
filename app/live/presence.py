"""Who is in which room, in this process: current viewers and their peak.

Counts come from joins and leaves seen by this process. With a message queue and several
processes each counts its own connections (summing them across processes is part of the
scale-out work; see docs/live-protocol.md).
"""
from __future__ import annotations

import hashlib
import threading
from collections import defaultdict

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


def flush_peaks() -> None:
    """Raise each episode's stored peak to the highest count seen (episodes service)."""
    with _lock:
        peaks = dict(_peaks)
        _peaks.clear()
    if not peaks:
        return
    from app.core.db import unit_of_work
    from app.episodes.services import record_peak

    with unit_of_work():
        for episode_id, count in peaks.items():
            record_peak(episode_id, count)


def reset() -> None:
    """Forget every room (tests)."""
    with _lock:
        _rooms.clear()
        _joined.clear()
        _peaks.clear()
