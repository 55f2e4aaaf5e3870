"""Engine.IO connections that hold one greenlet while idle instead of three.

python-engineio (4.x) gives every websocket connection, besides the greenlet that reads it:
- a writer greenlet, parked on the connection's queue for as long as the connection lives;
- a ping greenlet, asleep for `ping_interval` (25 s), started again after every pong.
A parked greenlet keeps its Python data stack and a heap copy of its C stack: measured on this
server, the two cost about 20 KB of the ≈ 60 KB an idle viewer held (docs/performance.md,
"Memory per idle viewer"). Here, on the gevent server with gevent-websocket only:
- the ping is a libev timer on the hub (no greenlet, no stack); when it fires it queues the
  PING packet exactly as engineio's ping greenlet did;
- packets queued for a websocket connection are written by a greenlet spawned when the first one
  is queued, which exits once the queue is empty (the next packet spawns another). Packets go out
  in queue order, one at a time, through the same `ws.send` (app/core/wire.py's lock included).
Everything else is engineio's: the reader loop is its own code (copied, minus the writer),
long-polling and polling→websocket upgrades keep engineio's writer, and a connection nobody
answers is still closed by engineio's service task (`check_ping_timeout`).
The class of each new engineio socket is switched to `LeanSocket` as engineio creates it (from
the server's connect event), for this server only.
"""
from __future__ import annotations

import time
from typing import Any

from engineio import exceptions, packet
from engineio.socket import Socket


class LeanSocket(Socket):
    """engineio's Socket with a timer for pings and a writer greenlet only while packets wait."""

    #: The websocket wrapper while the lean loop runs (None: engineio's own writer, e.g. polling).
    _ws: Any = None
    #: The greenlet writing queued packets, when one is.
    _drain: Any = None
    #: The writer failed or wrote the end: later packets are dropped (engineio's writer stops too).
    _dead = False
    _ping_timer: Any = None

    # --- pings --------------------------------------------------------------------------
    def schedule_ping(self) -> None:
        """Ping after ping_interval, from a hub timer (engineio: a greenlet asleep meanwhile)."""
        if self.last_ping:
            self.last_ping = None
            from gevent import get_hub

            # A new timer each time: libev keeps a fired one-shot timer's expiry relative to when
            # it fired, so starting the same watcher again fires it at once (a viewer pinged in a
            # tight loop from its first pong on: 3,400 pings/s, seen in the live bench).
            timer = self._ping_timer = get_hub().loop.timer(self.server.ping_interval)
            timer.start(self._ping_due)

    def _ping_due(self) -> None:
        """What engineio's `_send_ping` does after its sleep (runs in the hub: nothing here blocks)."""
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(packet.Packet(packet.PING))

    # --- writing ------------------------------------------------------------------------
    def send(self, pkt) -> None:
        """Queue the packet (engineio) and make sure a greenlet writes it."""
        super().send(pkt)
        self._kick()

    def close(self, wait: bool = True, abort: bool = False, reason=None) -> None:
        """Close as engineio does; the queued CLOSE and end marker are written by a drain greenlet."""
        if self._ping_timer is not None:
            self._ping_timer.stop()
        if self._ws is None:
            return super().close(wait=wait, abort=abort, reason=reason)
        closing_now = not self.closed and not self.closing
        super().close(wait=False, abort=abort, reason=reason)
        self._kick()
        if wait and closing_now:
            self.queue.join()

    def _kick(self) -> None:
        """Spawn the drain greenlet when packets wait and none runs."""
        if self._ws is None or self._drain is not None or self.queue.empty():
            return
        if self._dead:  # nobody will write them: mark them done so a close(wait=True) returns
            self._discard()
            return
        import gevent

        self._drain = gevent.spawn(self._write_queued)

    def _write_queued(self) -> None:
        """Write queued packets in order until the queue is empty; the end marker closes the websocket."""
        ws = self._ws
        try:
            while not self.queue.empty():
                pkt = self.queue.get(block=False)
                self.queue.task_done()
                if pkt is None:
                    self._dead = True
                    ws.close()
                    return
                try:
                    ws.send(pkt.encode())
                except Exception:  # the peer went away: stop writing, as engineio's writer does
                    self._dead = True
                    ws.close()
                    return
        finally:
            self._drain = None
            if self._dead:
                self._discard()

    def _discard(self) -> None:
        while not self.queue.empty():
            self.queue.get(block=False)
            self.queue.task_done()

    # --- the websocket loop -------------------------------------------------------------
    def _websocket_handler(self, ws):
        """engineio's websocket loop without the writer greenlet (a polling→websocket upgrade: engineio's)."""
        if self.connected:
            return super()._websocket_handler(ws)

        def websocket_wait():
            data = ws.wait()
            if data and len(data) > self.server.max_http_buffer_size:
                raise ValueError('packet is too large')
            return data

        for attr in ['_sock', 'socket']:  # as engineio: reads time out after ping_interval + ping_timeout
            if hasattr(ws, attr) and hasattr(getattr(ws, attr), 'settimeout'):
                getattr(ws, attr).settimeout(self.server.ping_interval + self.server.ping_timeout)
        self.connected = True
        self.upgraded = True
        unbuffer(ws)
        self._ws = ws
        self._kick()  # the OPEN packet queued by the server's connect
        self.server.logger.info('%s: Upgrade to websocket successful', self.sid)

        while True:
            p = None
            try:
                p = websocket_wait()
            except Exception as e:
                if not self.closed:
                    self.server.logger.info('%s: Unexpected error "%s", closing connection', self.sid, str(e))
                break
            if p is None:  # connection closed by client
                break
            pkt = packet.Packet(encoded_packet=p)
            try:
                self.receive(pkt)
            except exceptions.UnknownPacketError:
                pass
            except exceptions.SocketIsClosedError:
                self.server.logger.info('Receive error -- socket is closed')
                break
            except Exception:
                self.server.logger.exception('Unknown receive error')
                break

        self.queue.put(None)  # the end: written after whatever is still queued, then the websocket closes
        self._kick()
        drain = self._drain
        if drain is not None:
            drain.join()
        self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        return []


class SocketReader:
    """`read(n)` for gevent-websocket straight from the socket, keeping no buffer between frames.

    pywsgi reads each request through a BufferedReader whose 8 KB buffer stays allocated for as
    long as the connection lives; a websocket reads a few small frames a minute. Bytes received
    beyond the frame asked for wait in `pending` until the next read.
    """

    __slots__ = ("sock", "pending")

    def __init__(self, sock: Any, pending: bytes = b"") -> None:
        self.sock = sock
        self.pending = pending

    def read(self, n: int) -> bytes:
        """Exactly n bytes, or fewer at the end of the stream (as a buffered reader's read)."""
        data = self.pending
        if len(data) < n:
            parts, have = [data], len(data)
            while have < n:
                chunk = self.sock.recv(max(n - have, 4096))
                if not chunk:
                    break
                parts.append(chunk)
                have += len(chunk)
            data = b"".join(parts)
        self.pending = data[n:]
        return data[:n] if len(data) > n else data


def unbuffer(ws: Any) -> bool:
    """Read this gevent-websocket from the socket directly and free pywsgi's buffered reader.

    Whatever the reader already holds (a client may send frames right behind its handshake) is
    taken without waiting and read first. False, changing nothing, for any other websocket.
    """
    websocket = getattr(ws, "_sock", None)
    stream = getattr(websocket, "stream", None)
    handler = getattr(stream, "handler", None)
    rfile, sock = getattr(handler, "rfile", None), getattr(handler, "socket", None)
    if rfile is None or sock is None or not hasattr(websocket, "raw_read") or rfile.closed:
        return False
    timeout = sock.gettimeout()
    sock.settimeout(0.0)  # read1 then returns what is buffered or readable now, never waits
    try:
        pending = rfile.read1(65536) or b""
    except OSError:
        pending = b""
    finally:
        sock.settimeout(timeout)
    reader = SocketReader(sock, pending)
    stream.read = websocket.raw_read = reader.read
    rfile.close()  # frees its buffer; pywsgi only checks `closed` once the websocket is over
    return True


def install(socketio) -> bool:
    """Make this server's new engineio sockets LeanSockets; False unless gevent with gevent-websocket."""
    from app.core import wire

    if not wire.available(socketio):
        return False
    eio = socketio.server.eio
    trigger = eio._trigger_event

    def trigger_event(event, *args, **kwargs):
        # engineio fires 'connect' right after creating the socket, before its first ping or read.
        if event == 'connect' and args:
            sock = eio.sockets.get(args[0])
            if type(sock) is Socket:
                sock.__class__ = LeanSocket
        return trigger(event, *args, **kwargs)

    eio._trigger_event = trigger_event
    eio.zhibo_lean = True
    return True


def installed(socketio) -> bool:
    """True once install() succeeded for this server."""
    server = getattr(socketio, "server", None)
    return bool(server is not None and getattr(server.eio, "zhibo_lean", False))
