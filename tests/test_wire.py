"""Direct frames (app/core/wire.py): the bytes a viewer reads, whole and in order, on real sockets."""
from __future__ import annotations

import io
import socket
from types import SimpleNamespace

import gevent
import gevent.socket
import pytest
from geventwebsocket.websocket import Header

from app.core import wire


def _read_frame(data: bytes) -> tuple[Header, bytes]:
    """Parse one frame the way gevent-websocket reads what a peer sent."""
    stream = io.BytesIO(data)
    header = Header.decode_header(stream)
    return header, stream.read(header.length)


def test_a_frame_is_a_final_unmasked_text_frame_of_any_length():
    for text in ("4", "42/live,[\"batch\",{}]", "评" * 100, "x" * 70_000):
        header, payload = _read_frame(wire.frame(text))
        assert header.fin and header.opcode == 1 and not header.mask
        assert payload.decode("utf-8") == text


def _pair() -> tuple[gevent.socket.socket, gevent.socket.socket]:
    server, viewer = gevent.socket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    viewer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return server, viewer


def _read(viewer, size: int) -> bytes:
    got = bytearray()
    while len(got) < size:
        chunk = viewer.recv(65536)
        assert chunk, "connection closed early"
        got += chunk
    return bytes(got)


def test_a_frame_too_big_for_the_buffer_is_finished_before_anything_else_on_the_connection():
    server, viewer = _pair()
    line = wire.Line(SimpleNamespace(closed=False), sock=server)
    big = wire.frame("评论" * 200_000)
    before = wire.stats()["partial"]
    assert wire._send_now(line, big) is True  # part written now, the rest by a greenlet
    assert wire.stats()["partial"] == before + 1
    assert line.lock.locked()  # the connection's writer must wait

    def writer() -> None:  # what engineio's writer does through the wrapper's send()
        with line.lock:
            server.sendall(wire.frame("after"))
    follower = gevent.spawn(writer)
    data = _read(viewer, len(big) + len(wire.frame("after")))
    follower.join(timeout=5)
    assert data == big + wire.frame("after")  # whole and in order, never interleaved
    assert not line.lock.locked()
    server.close()
    viewer.close()


def test_a_full_buffer_writes_nothing_and_leaves_the_frame_to_the_queue():
    server, viewer = _pair()
    line = wire.Line(SimpleNamespace(closed=False), sock=server)
    filled = 0
    while True:  # fill the kernel's buffers without waiting
        try:
            filled += server.send(b"f" * 4096, 0, 0.0)
        except BlockingIOError:
            break
    assert wire._send_now(line, wire.frame("batch")) is False
    assert not line.lock.locked()
    assert _read(viewer, filled) == b"f" * filled  # only what was there before: no stray bytes
    server.close()
    viewer.close()


def test_a_busy_or_closed_connection_is_left_to_the_queue():
    server, viewer = _pair()
    ws = SimpleNamespace(closed=False)
    line = wire.Line(ws, sock=server)
    with line.lock:  # the writer is in the middle of a send
        assert wire._send_now(line, wire.frame("batch")) is False
    ws.closed = True
    assert wire._send_now(line, wire.frame("batch")) is False
    assert wire._send_now(wire.Line(SimpleNamespace(closed=False), sock=server), wire.frame("ok")) is True
    assert _read(viewer, len(wire.frame("ok"))) == wire.frame("ok")
    server.close()
    viewer.close()


def test_a_writer_woken_from_the_lock_keeps_its_place_before_the_next_direct_frame():
    """Released (e.g. by a finished partial write), the lock looks free before its waiting writer runs."""
    server, viewer = _pair()
    line = wire.Line(SimpleNamespace(closed=False), sock=server)
    queued, later = wire.frame("ack"), wire.frame("next batch")
    line.lock.acquire()  # what a partial write's completion holds
    writer = gevent.spawn(line.writer_send, server.sendall, queued)  # engineio's writer, through the wrapper
    gevent.sleep(0)
    assert line.waiting == 1  # the writer waits for the lock with its packet
    line.lock.release()
    # the same instant, before the hub wakes the writer: a flush must not jump the queue
    assert wire._send_now(line, later) is False
    writer.join(timeout=5)
    assert _read(viewer, len(queued)) == queued and line.waiting == 0
    viewer.settimeout(0.2)
    with pytest.raises(TimeoutError):
        viewer.recv(100)  # the later frame was not written: it goes through the queue, after
    server.close()
    viewer.close()
