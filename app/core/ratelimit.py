"""Rate limits on hot paths (live comments) that never yield to other greenlets.

`limits`' in-memory storage arms a timer thread for expiry on every hit; under gevent
that is several greenlet switches per comment, each waiting behind thousands of
websocket writers while the request holds a database connection (bench/live found
it). On the embedded default we count in a plain fixed window in this process; with
Redis configured, the same fixed windows live in Redis, shared by every process, and all
of one request's limits are counted in one round trip (`hit_all`).
"""
from __future__ import annotations

import threading
import time
from functools import lru_cache

from flask import current_app

_lock = threading.Lock()
#: (namespace, key) → (window start, hits in the window)
_windows: dict[tuple[str, str], tuple[float, int]] = {}


@lru_cache(maxsize=64)
def _parse(limit: str) -> tuple[int, float]:
    """"10/minute" → (10, 60.0)."""
    from limits import parse

    item = parse(limit)
    return item.amount, float(item.get_expiry())


def hit(limit: str, namespace: str, key: str) -> bool:
    """Count one hit of key; False when the limit is already reached."""
    return hit_all([(limit, namespace, key)])


def hit_all(checks: list[tuple[str, str, str]]) -> bool:
    """Count one hit of each (limit, namespace, key); False when any of them is over its limit.

    In memory the checks stop at the first refusal; in Redis all are counted in one round trip.
    """
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if uri.startswith("memory://"):
        return all(_hit_here(*check) for check in checks)
    return _hit_redis(uri, checks)


def _hit_redis(uri: str, checks: list[tuple[str, str, str]]) -> bool:
    """Fixed windows in Redis: SET NX EX opens a window, INCR counts in it; one pipeline for all."""
    from app.core import redisclient

    pipe = redisclient.client(uri).pipeline(transaction=False)
    amounts = []
    for limit, namespace, key in checks:
        amount, window = _parse(limit)
        name = f"zhibo:rate:{namespace}:{key}"
        pipe.set(name, 0, ex=max(1, int(window)), nx=True)
        pipe.incr(name)
        amounts.append(amount)
    counts = pipe.execute()[1::2]
    return all(count <= amount for count, amount in zip(counts, amounts))


def _hit_here(limit: str, namespace: str, key: str) -> bool:
    """The in-process fixed window."""
    amount, window = _parse(limit)
    now = time.monotonic()
    with _lock:
        start, count = _windows.get((namespace, key), (now, 0))
        if now - start >= window:
            start, count = now, 0
        if count >= amount:
            return False
        _windows[(namespace, key)] = (start, count + 1)
        if len(_windows) > 100_000:  # forget finished windows now and then
            for stale in [k for k, (s, _) in _windows.items() if now - s >= window]:
                del _windows[stale]
        return True


def reset() -> None:
    """Forget every window (tests)."""
    with _lock:
        _windows.clear()
