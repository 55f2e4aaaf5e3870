"""Rate limits on hot paths (live comments) that never yield to other greenlets.

`limits`' in-memory storage arms a timer thread for expiry on every hit; under gevent
that is several greenlet switches per comment, each waiting behind thousands of
websocket writers while the request holds a database connection (bench/live found
it). On the embedded default we count in a plain fixed window in this process; with
Redis configured, the same fixed windows live in Redis, shared by every process, and all
of one request's limits are counted in one round trip (`hit_all`).

While Redis does not answer, the limits are counted in this process instead (docs/outages.md):
each process then allows up to the full limit, so a user spread over P processes may get P
times it for the outage's length; refusing every vote and comment instead would turn a Redis
outage into a site outage.
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


def window_seconds(limit: str) -> int:
    """How long a window of this limit lasts: the most a refused caller waits (Retry-After)."""
    return max(1, int(_parse(limit)[1]))


def hit(limit: str, namespace: str, key: str) -> bool:
    """Count one hit of key; False when the limit is already reached."""
    return hit_all([(limit, namespace, key)])


def hit_all(checks: list[tuple[str, str, str]]) -> bool:
    """Count one hit of each (limit, namespace, key); False when any of them is over its limit.

    Checks stop at the first refusal (later limits are not charged); in Redis in one round trip.
    """
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if uri.startswith("memory://"):
        return all(_hit_here(*check) for check in checks)
    from app.core import redisclient

    if not redisclient.available(uri):
        return all(_hit_here(*check) for check in checks)
    try:
        return _hit_redis(uri, checks)
    except redisclient.errors() as error:
        redisclient.mark_down(uri, error)
        return all(_hit_here(*check) for check in checks)


#: Count each window in turn and stop at the first one over its limit (later windows are not
#: charged: a refused user must not use up the shared address's budget). A window without an
#: expiry gets one, so no key outlives its window. Atomic: one script, one round trip.
_HIT_ALL = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if count > tonumber(ARGV[2 * i - 1]) then return 0 end
end
return 1
"""
_scripts: dict[str, object] = {}


def _hit_redis(uri: str, checks: list[tuple[str, str, str]]) -> bool:
    """Fixed windows in Redis, shared by every process: one script call for all of a request's limits."""
    from app.core import redisclient

    script = _scripts.get(uri)
    if script is None:
        script = _scripts[uri] = redisclient.client(uri).register_script(_HIT_ALL)
    keys, args = [], []
    for limit, namespace, key in checks:
        amount, window = _parse(limit)
        keys.append(f"zhibo:rate:{namespace}:{key}")
        args += [amount, max(1, int(window))]
    return bool(script(keys=keys, args=args))


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
