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
