"""One websocket frame per room batch, written to every local viewer without a hand-off each.

python-engineio gives every connection a queue and a writer greenlet: each outgoing packet is
a queue put, two greenlet switches and a send. A batch to 5,000 viewers is 5,000 identical
packets, and that hand-off measured ≈ 80 µs of CPU per frame: fan-out alone filled a core
(docs/performance.md, "Live room"). Here the frame is built once (the bytes are the same for
every viewer: server frames are not masked) and written with a non-blocking send from the
flushing greenlet.

Order per connection is kept: a connection gets the frame the normal way (engineio's queue)
when packets are already queued for it, when its writer is sending or waiting to send, when the
kernel cannot take any of the frame right now, or when it is not a gevent-websocket
connection (long-polling, the threading server of the tests). If the kernel takes only part
of the frame, the connection's send lock is held until a greenlet has written the rest, and
the writer's own sends wait for that lock.
"""
from __future__ import annotations

import logging
import socket
from typing import Any, Callable

log = logging.getLogger(__name__)

#: Counters of how frames went out (read by tests and benchmarks through `stats()`).
_counts = {"direct": 0, "queued": 0, "partial": 0}


class Line:
    """The direct way to one connection: its gevent-websocket and a lock shared with its writer."""

    __slots__ = ("ws", "sock", "lock", "waiting")

    def __init__(self, ws: Any, sock: Any = None) -> None:
        from gevent.lock import Semaphore

        self.ws = ws
        self.sock = sock if sock is not None else ws.handler.socket  # the gevent socket under the websocket
        self.lock = Semaphore()
        #: Writer sends waiting for or holding the lock. A released lock wakes its waiter only at a
        #: later hub turn; in between the lock looks free, yet the waiter's packet must go first.
        self.waiting = 0

    def writer_send(self, send: Callable[[Any], Any], message: Any) -> Any:
        """engineio's writer sends through here: never between the halves of a partly written frame."""
        self.waiting += 1
        try:
            with self.lock:
                return send(message)
        finally:
            self.waiting -= 1


def available(socketio) -> bool:
    """True when the server runs gevent with gevent-websocket, the only transport written to directly."""
    server = getattr(socketio, "server", None)
    if server is None or server.eio.async_mode != "gevent":
        return False
    from engineio.async_drivers import gevent as driver

    return getattr(driver, "SimpleWebSocketWSGI", None) is None


def install(socketio) -> bool:
    """Make this server's websocket connections writable directly; False when the transport is another."""
    if not available(socketio):
        return False
    from engineio.async_drivers import gevent as driver
    from gevent.ssl import SSLSocket

    class WebSocketWSGI(driver.WebSocketWSGI):
        """engineio's gevent-websocket wrapper, remembering a Line on the engineio socket it serves."""

        def __call__(self, environ, start_response):
            ws = environ.get("wsgi.websocket")
            owner = getattr(self.app, "__self__", None)  # the handler is a bound method of the engineio socket
            # Not over TLS: gevent's SSL socket ignores a zero timeout, so a send could block the flush.
            if ws is not None and owner is not None and not isinstance(ws.handler.socket, SSLSocket):
                self.line = owner.zhibo_line = Line(ws)
            return super().__call__(environ, start_response)

        def send(self, message):
            line = getattr(self, "line", None)
            if line is None:
                return super().send(message)
            return line.writer_send(super().send, message)

    eio = socketio.server.eio
    eio._async = dict(eio._async, websocket=WebSocketWSGI)  # this server only, not the driver module
    eio.zhibo_direct = True
    return True


def installed(socketio) -> bool:
    """True once install() succeeded for this server."""
    server = getattr(socketio, "server", None)
    return bool(server is not None and getattr(server.eio, "zhibo_direct", False))


def frame(text: str) -> bytes:
    """A final, unmasked websocket text frame carrying text (what a server sends)."""
    from geventwebsocket.websocket import Header, WebSocket

    payload = text.encode("utf-8")
    return Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", len(payload), 0) + payload


def send_to_room(socketio, event: str, data: Any, room: str, namespace: str) -> int:
    """Send one event to this process's connections in room; returns how many went directly."""
    from engineio import packet as eio_packet
    from socketio import packet as sio_packet

    server = socketio.server
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, data]).encode()
    if isinstance(encoded, list):  # binary attachments: several packets, leave them to engineio
        server.emit(event, data, to=room, namespace=namespace, ignore_queue=True)
        return 0
    eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
    wire = frame(eio_pkt.encode())
    eio, direct, queued = server.eio, 0, 0
    # A copy: a fallback send to a viewer whose pings timed out disconnects it inline, which may
    # yield and change the room while we go through it.
    for _sid, eio_sid in list(server.manager.get_participants(namespace, room)):
        sock = eio.sockets.get(eio_sid)
        if sock is None:
            continue
        line = getattr(sock, "zhibo_line", None)
        if line is not None and sock.upgraded and not sock.closed and sock.queue.empty() \
                and _send_now(line, wire):
            direct += 1
        else:
            eio.send_packet(eio_sid, eio_pkt)
            queued += 1
    _counts["direct"] += direct
    _counts["queued"] += queued
    return direct


def _send_now(line: Line, wire: bytes) -> bool:
    """Write the frame without waiting; False when nothing was written and the queue must take it."""
    if line.waiting or line.lock.locked() or line.ws.closed:
        return False
    try:
        sent = line.sock.send(wire, 0, 0.0)  # gevent: timeout 0.0 raises instead of waiting
    except OSError:  # full buffer (EAGAIN) or a dead peer: the writer's sendall waits or fails
        return False
    if sent == len(wire):
        return True
    if sent == 0:
        return False
    # The kernel took part of the frame: nothing else may go on this connection before the rest.
    import gevent

    line.lock.acquire()
    _counts["partial"] += 1
    gevent.spawn(_send_rest, line, memoryview(wire)[sent:])
    return True


def _send_rest(line: Line, rest: memoryview) -> None:
    """Write the rest of a partly sent frame, then let the connection's writer go on."""
    try:
        line.sock.sendall(rest)
    except OSError:
        # Half a frame is on the wire: nothing after it could be read. End the connection; the
        # reader sees it closed and engineio cleans up (the viewer reconnects and resumes).
        log.debug("viewer went away in the middle of a frame")
        try:
            line.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    finally:
        line.lock.release()


def stats() -> dict[str, int]:
    """Frames sent directly, through engineio's queue, and finished by a greenlet after a partial send."""
    return dict(_counts)
