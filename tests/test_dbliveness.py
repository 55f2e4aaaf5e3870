"""Pooled connections checked without a round trip (app/core/dbliveness.py)."""
from __future__ import annotations

import socket

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from app.core import dbliveness
from app.extensions import db


def test_a_socket_is_readable_only_once_its_peer_wrote_or_closed():
    mine, peer = socket.socketpair()
    try:
        assert dbliveness.readable_now(mine.fileno()) is False  # idle and healthy: nothing to read
        peer.sendall(b"E")  # e.g. the server's FATAL before it closes
        assert dbliveness.readable_now(mine.fileno()) is True
        mine.recv(1)
        peer.close()  # EOF
        assert dbliveness.readable_now(mine.fileno()) is True
    finally:
        mine.close()


def _backend_pid() -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_the_server_closed_is_replaced_and_a_healthy_one_reused(app):
    if db.engine.dialect.name != "postgresql":
        # One local file never drops a connection: no check, no SELECT 1 (app._fit_engine_options).
        assert not event.contains(db.engine, "checkout", dbliveness._check)
        assert db.engine.pool._pre_ping is False
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        return
    assert event.contains(db.engine, "checkout", dbliveness._check)
    assert db.engine.pool._pre_ping is False  # no SELECT 1 before each use
    db.session.remove()
    db.engine.dispose()
    first = _backend_pid()
    assert _backend_pid() == first  # healthy: the same pooled connection, checked for free
    admin = create_engine(db.engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    try:
        with admin.connect() as conn:  # a restart or an idle timeout, as the server does it
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            conn.commit()
            # The backend is gone (its FATAL and EOF on our socket) before the next checkout.
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": first}).scalar():
                conn.rollback()
    finally:
        admin.dispose()
    again = _backend_pid()  # no error: the pool noticed and opened another
    assert again != first
    assert db.session.execute(text("SELECT 1")).scalar() == 1
