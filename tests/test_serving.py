"""`python wsgi.py` listens like production's gunicorn does: Nagle's algorithm off on every connection."""
from __future__ import annotations

import socket

from app.core.serving import listener


def test_the_listener_and_the_connections_it_accepts_send_without_nagle_delay():
    server = listener("127.0.0.1", 0)
    try:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        try:
            assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # inherited by what it accepts
        finally:
            accepted.close()
            client.close()
    finally:
        server.close()


def test_each_request_waits_its_turn_behind_greenlets_already_ready():
    """A keep-alive client's next request must not overtake other connections' ready greenlets."""
    import gevent

    from app.core.serving import TakeTurns

    order: list[str] = []

    def app(_environ, start_response):
        order.append("request")
        start_response("200 OK", [])
        return [b""]

    other = gevent.spawn(order.append, "another connection")  # ready, not yet run
    TakeTurns(app)({}, lambda *_: None)
    other.join()
    assert order == ["another connection", "request"]
