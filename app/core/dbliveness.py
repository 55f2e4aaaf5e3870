"""A pooled PostgreSQL connection is checked before each use without a round trip.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout: one more round trip per vote,
page or comment (bench/poll: about a fifth of a vote request's wall time on PostgreSQL). Between
transactions an idle, healthy connection has nothing to read; one the server closed (a restart,
`pg_terminate_backend`, an idle timeout) has its FATAL message or EOF waiting on the socket. So a
zero-timeout poll of the socket tells the two apart, and a readable or broken connection is
discarded: the pool opens a fresh one (SQLAlchemy's `DisconnectionError` at checkout). A host
that vanished without closing anything is not seen here (neither would `SELECT 1` see it before
its timeout): the statement's error invalidates the pool, and `tcp_user_timeout` bounds the wait
(docs/outages.md).
"""
from __future__ import annotations

import select
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


def _poll_class() -> Any:
    """The operating system's poll, also when gevent has patched `select` (which drops it)."""
    try:
        from gevent.monkey import get_original

        return get_original("select", "poll")
    except (ImportError, AttributeError):  # no gevent: the module's own
        return select.poll


def readable_now(fd: int) -> bool:
    """True when the socket has data or EOF waiting (never waits)."""
    poller = _poll_class()()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _check(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a connection the server has closed; the pool then opens another."""
    try:
        if dbapi_connection.closed or dbapi_connection.broken or readable_now(dbapi_connection.fileno()):
            raise exc.DisconnectionError("the server closed this pooled connection")
    except exc.DisconnectionError:
        raise
    except Exception as error:  # fileno() of a closed connection, etc.: not usable either
        raise exc.DisconnectionError(str(error)) from error


def install(engine: Engine) -> None:
    """Check this engine's pooled connections at every checkout (psycopg 3 connections)."""
    event.listen(engine, "checkout", _check)
