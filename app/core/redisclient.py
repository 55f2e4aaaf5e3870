"""One Redis client per URL for the whole process (presence, likes, relay, hot-path rate limits).

Each redis-py client holds its own connection pool; sharing one per URL keeps a process's
connections to Redis few, whatever the number of features using it.

Every call has a deadline (docs/outages.md): REDIS_SOCKET_TIMEOUT for each command's reply,
REDIS_CONNECT_TIMEOUT for a new connection. redis-py's automatic retries are off: a retried
INCRBY whose first reply was merely late counts twice, and every caller has a fallback anyway.
After a failure the URL is *down* for REDIS_RETRY_SECONDS: callers skip Redis (and its timeout)
until then, so an outage costs one timeout per cooldown, not one per like tap.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_clients: dict[str, Any] = {}
_lock = threading.Lock()
#: server (host:port) → monotonic time until which it is skipped; present while it is down
_down_until: dict[str, float] = {}
#: Defaults; create_app replaces them from the config (configure()).
_options: dict[str, float] = {"socket_timeout": 1.0, "connect_timeout": 1.0, "health_check": 10.0,
                              "retry_seconds": 2.0}


def configure(config: dict) -> None:
    """Take the timeouts from the app's config (REDIS_* settings)."""
    _options.update(socket_timeout=float(config.get("REDIS_SOCKET_TIMEOUT", 1.0)),
                    connect_timeout=float(config.get("REDIS_CONNECT_TIMEOUT", 1.0)),
                    health_check=float(config.get("REDIS_HEALTH_CHECK_SECONDS", 10.0)),
                    retry_seconds=float(config.get("REDIS_RETRY_SECONDS", 2.0)))


def connection_options() -> dict:
    """redis-py keyword arguments: timeouts, TCP keepalive, health checks, no automatic retries."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    keepalive = {}
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):  # Linux; a dead peer is noticed within ~25 s even on an idle socket
            keepalive[getattr(socket, name)] = value
    return {"socket_timeout": _options["socket_timeout"],
            "socket_connect_timeout": _options["connect_timeout"],
            "socket_keepalive": True, "socket_keepalive_options": keepalive,
            "health_check_interval": _options["health_check"],
            "retry": Retry(NoBackoff(), 0), "retry_on_timeout": False}


def socket_timeout() -> float:
    """Seconds a reply may take (REDIS_SOCKET_TIMEOUT)."""
    return _options["socket_timeout"]


def client(url: str):
    """The process's redis.Redis for url (created on first use)."""
    with _lock:
        found = _clients.get(url)
        if found is None:
            import redis

            found = _clients[url] = redis.Redis.from_url(url, **connection_options())
        return found


def errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "Redis did not answer" (connection refused, reset, timed out)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def server(url: str) -> str:
    """host:port of a URL: its databases (/0 queue, /1 counters) are down together."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


def is_down(url: str | None) -> bool:
    """True while url's server failed within the last REDIS_RETRY_SECONDS."""
    return bool(url) and _down_until.get(server(url), 0.0) > time.monotonic()


def available(url: str, probe_timeout: float | None = None) -> bool:
    """True unless url's server is known down; once its cooldown is over, one PING decides."""
    host = server(url)
    if host not in _down_until:
        return True
    now = time.monotonic()
    if _down_until[host] > now:
        return False
    _down_until[host] = now + _options["retry_seconds"]  # the others wait for this one probe
    return ping(url, probe_timeout or _options["connect_timeout"])


def mark_down(url: str, error: BaseException | None = None) -> None:
    """Record a failure: skip url's server for REDIS_RETRY_SECONDS and drop pooled connections."""
    host = server(url)
    first = host not in _down_until
    _down_until[host] = time.monotonic() + _options["retry_seconds"]
    if first:
        log.warning("Redis %s unavailable (%s); skipped for %.0f s at a time until it answers", host,
                    error, _options["retry_seconds"])
    for known, found in list(_clients.items()):
        if server(known) == host:
            # After a restart every pooled socket is dead; without this each would fail once more.
            try:
                found.connection_pool.disconnect(inuse_connections=False)
            except Exception:  # noqa: BLE001 - best effort
                pass


def mark_up(url: str) -> None:
    """Record a success after a failure."""
    if _down_until.pop(server(url), None) is not None:
        log.warning("Redis %s answers again", server(url))


def ping(url: str, timeout: float) -> bool:
    """One PING with its own short timeout (/healthz, probes); updates the down state."""
    import redis

    probe = redis.Redis.from_url(url, **{**connection_options(), "socket_timeout": timeout,
                                         "socket_connect_timeout": timeout, "health_check_interval": 0})
    try:
        probe.ping()
    except errors() as error:
        mark_down(url, error)
        return False
    finally:
        probe.close()
    mark_up(url)
    return True


def reset() -> None:
    """Forget the down states (tests)."""
    _down_until.clear()
