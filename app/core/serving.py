"""`python wsgi.py` under gevent: the development and benchmark server, shaped like production's.

Production runs gunicorn's gevent-websocket worker, and gunicorn sets TCP_NODELAY on its
listening socket. gevent's pywsgi, which `socketio.run` uses, does not: with Nagle's algorithm
on, a response written in two parts waits for the client's delayed ACK, and every request one
client makes in turn took 44 ms however fast the page was (bench/pages, 1 in flight). Accepted
sockets inherit the option from the listener on Linux.
"""
from __future__ import annotations

import socket

from flask import Flask


def listener(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket with SO_REUSEADDR and TCP_NODELAY (inherited by accepted connections)."""
    from gevent import socket as gsocket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = gsocket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve_gevent(app: Flask, host: str, port: int) -> None:
    """Serve HTTP and websockets on host:port until stopped, as `socketio.run` would, with TCP_NODELAY."""
    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler

    pywsgi.WSGIServer(listener(host, port), app, handler_class=WebSocketHandler, log=None).serve_forever()


class TakeTurns:
    """WSGI middleware under gevent: each request first lets every other ready greenlet run.

    With TCP_NODELAY a keep-alive client's next request is often already in the socket when the
    greenlet finishes the last answer, so gevent's `recv` returns at once and that one greenlet
    serves request after request without passing through the hub: at 50 connections in flight
    most requests took 1 ms and the rest waited 1–4 s (bench/pages, p50 0.8 ms, p99 1.5 s). One
    `sleep(0)` per request puts the greenlet at the back of the queue: first come, first served.
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        import gevent

        gevent.sleep(0)
        return self.wsgi_app(environ, start_response)
