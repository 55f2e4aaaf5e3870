"""A light raw-protocol Socket.IO v5 client (Engine.IO v4, websocket transport only) on asyncio.

Thousands of these fit in one process: each connection is one asyncio Protocol with its own
frame parser and no threads. It speaks just what the /live namespace needs: the websocket
upgrade (with an optional session cookie), the Engine.IO open/ping/pong packets, the
namespace connect, events with acks (`42/live,<id>[…]` → `43/live,<id>[…]`) and incoming
events, which go to `on_event(conn, name_prefix_bytes, payload_bytes, received_at)` unparsed:
the caller decides what to parse (a swarm parses each distinct batch once, not once per viewer).
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Callable

NAMESPACE = b"/live"
_EVENT = b"42" + NAMESPACE + b","
_ACK = b"43" + NAMESPACE + b","


def ws_frame(payload: bytes, opcode: int = 1) -> bytes:
    """One masked client frame (RFC 6455 requires clients to mask)."""
    n = len(payload)
    mask = os.urandom(4)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return header + mask + (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")


class SioConnection(asyncio.Protocol):
    """One websocket connection to the /live namespace."""

    def __init__(self, host: str, port: int, cookie: str | None = None,
                 on_event: Callable | None = None, tag: int = 0) -> None:
        self.host, self.port, self.cookie, self.on_event, self.tag = host, port, cookie, on_event, tag
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.connected = asyncio.get_running_loop().create_future()
        #: Resolved when the connection closes (a server killed or restarted: the caller reconnects).
        self.lost = asyncio.get_running_loop().create_future()
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.closed = False

    # --- transport -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13", f"Origin: http://{self.host}:{self.port}"]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(exc)
        if not self.connected.done():
            self.connected.set_exception(ConnectionError(f"closed before connect: {exc}"))
        for fut in self.acks.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection lost"))
        self.acks.clear()

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:buf.find(b"\r\n")])
            if b" 101 " not in status:
                self.connected.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()
                return
            del buf[:end + 4]
            self.upgraded = True
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, length = buf[pos], buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head:pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode in (0, 1, 2):
                self._packet(payload, now)
            elif opcode == 9:
                self.transport.write(ws_frame(payload, 10))
            elif opcode == 8:
                self.transport.close()
        if pos:
            del buf[:pos]

    # --- Engine.IO / Socket.IO -------------------------------------------------------------
    def _packet(self, payload: bytes, now: float) -> None:
        kind = payload[:1]
        if kind == b"4":
            if payload.startswith(_EVENT):
                if self.on_event is not None:
                    self.on_event(self, payload, now)
            elif payload.startswith(_ACK):
                body = payload[len(_ACK):]
                i = 0
                while body[i:i + 1].isdigit():
                    i += 1
                fut = self.acks.pop(int(body[:i]), None)
                if fut is not None and not fut.done():
                    fut.set_result(json.loads(body[i:])[0])
            elif payload.startswith(b"40" + NAMESPACE):
                if not self.connected.done():
                    self.connected.set_result(True)
            elif payload.startswith(b"44" + NAMESPACE):
                if not self.connected.done():
                    self.connected.set_exception(ConnectionError(payload.decode(errors="replace")))
        elif kind == b"2":  # Engine.IO ping → pong
            self.send_raw(b"3" + payload[1:])
        elif kind == b"0":  # Engine.IO open → connect to the namespace
            self.send_raw(b"40" + NAMESPACE + b",")
        elif kind == b"1":
            self.transport.close()

    def send_raw(self, payload: bytes) -> None:
        """Send one Engine.IO packet."""
        if self.transport is not None and not self.closed:
            self.transport.write(ws_frame(payload))

    def emit(self, event: str, data: dict) -> asyncio.Future:
        """Emit an event with an ack; the future resolves to the ack's first argument."""
        self.next_ack += 1
        fut = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = fut
        body = json.dumps([event, data], separators=(",", ":"), ensure_ascii=False).encode()
        self.send_raw(_EVENT + str(self.next_ack).encode() + body)
        return fut

    def close(self) -> None:
        """Close the websocket (no close handshake: the bench is over)."""
        if self.transport is not None:
            self.transport.close()


async def connect(host: str, port: int, cookie: str | None = None, on_event: Callable | None = None,
                  tag: int = 0, timeout: float = 60.0) -> SioConnection:
    """Open a websocket and connect to /live; returns the connection."""
    loop = asyncio.get_running_loop()
    _transport, conn = await asyncio.wait_for(
        loop.create_connection(lambda: SioConnection(host, port, cookie, on_event, tag), host, port), timeout)
    await asyncio.wait_for(conn.connected, timeout)
    return conn
