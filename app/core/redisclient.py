"""One Redis client per URL for the whole process (presence, likes, relay, hot-path rate limits).

Each redis-py client holds its own connection pool; sharing one per URL keeps a process's
connections to Redis few, whatever the number of features using it.
"""
from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(url: str):
    """The process's redis.Redis for url (created on first use)."""
    with _lock:
        found = _clients.get(url)
        if found is None:
            import redis

            found = _clients[url] = redis.Redis.from_url(url)
        return found
