"""Rate limits on hot paths (live comments) that never yield to other greenlets.

`limits`' in-memory storage arms a timer thread for expiry on every hit; under gevent
that is several greenlet switches per comment, each waiting behind thousands of
websocket writers while the request holds a database connection (bench/live found
it). On the embedded default we count in a plain fixed window in this process; with
Redis configured, Flask-Limiter's shared storage counts across processes.
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
    if not current_app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
        from limits import parse

        from app.extensions import limiter

        return limiter.limiter.hit(parse(limit), namespace, key)
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
