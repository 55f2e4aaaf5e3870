"""Idle viewers on the real gevent server (app/core/leansocket.py): pinged, dropped when silent, one greenlet each.

A server of its own with a one-second heartbeat (SOCKETIO_PING_INTERVAL / _TIMEOUT) and the
debug memory probe on (app/core/memprobe.py: its signal writes the live greenlets to a file).
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from app.core import memprobe
from tests.live_server import (ROOT, LiveServer, _server_env, _stop, _wait_healthy, create_pg_database,
                               drop_pg_database, free_port, suite_database_url)
from tests.live.test_live_server import _live_episode, _session, _user

pytestmark = pytest.mark.live_server


@pytest.fixture(scope="module")
def pinging_server(tmp_path_factory):
    """`python wsgi.py` with a 1 s ping interval and timeout, demo data loaded, the memory probe on."""
    base = tmp_path_factory.mktemp("idle-server")
    instance_dir = base / "instance"
    instance_dir.mkdir()
    pg_url = create_pg_database("zhibo_idle") if suite_database_url() else None
    port = free_port()
    env = _server_env(instance_dir, port, pg_url)
    env.update({"SOCKETIO_PING_INTERVAL": "1", "SOCKETIO_PING_TIMEOUT": "1",
                "ZHIBO_MEMPROBE": str(base / "probes")})
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, instance_dir=instance_dir,
                        database_url=pg_url or f"sqlite:///{instance_dir / 'zhibo.sqlite3'}",
                        log_path=base / "server.log", env=env)
    try:
        for args in (("db", "upgrade"), ("demo", "load")):
            done = server.flask(*args)
            assert done.returncode == 0, done.stderr
        with open(server.log_path, "wb") as log:
            server.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env,
                                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _wait_healthy(server)
        server.probes = base / "probes"
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        if pg_url:
            drop_pg_database(pg_url)


@pytest.fixture(scope="module")
def episode_id(pinging_server) -> int:
    """A live episode of the demo data (the coordinator sets one live)."""
    _user(pinging_server, "idle_coord", "coordinator")
    return _live_episode(pinging_server, _session(pinging_server, "idle_coord"))


class RawViewer:
    """A raw Engine.IO websocket in /live; a thread reads it and answers pings while `answering`."""

    def __init__(self, server, episode_id: int) -> None:
        import websocket

        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=30)
        self.answering = True
        self.pings = 0
        self.viewer_counts: list[int] = []
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next(lambda m: True).startswith("0")  # engine.io open
        self.ws.send("40/live,")
        self.next(lambda m: m.startswith("40/live,"))
        self.ws.send('42/live,1["join",{"episode_id":%d}]' % episode_id)
        assert '"ok":true' in self.next(lambda m: m.startswith("43/live,1"))

    def _read(self) -> None:
        try:
            while True:
                message = self.ws.recv()
                if message == "2":
                    self.pings += 1
                    if self.answering:
                        self.ws.send("3")
                elif message.startswith('42/live,["batch"'):
                    batch = json.loads(message[len("42/live,"):])[1]
                    if "viewers" in batch:
                        self.viewer_counts.append(batch["viewers"])
                self.messages.put(message)
        except Exception as error:  # closed by the server (or by the test)
            self.messages.put(error)

    def next(self, wanted, timeout: float = 15) -> str:
        """The next message satisfying wanted; ConnectionError once the connection is closed."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no such message in time") from None
            if isinstance(message, Exception):
                raise ConnectionError(f"closed: {message!r}")
            if wanted(message):
                return message

    def close(self) -> None:
        self.ws.close()


def _greenlets(server) -> dict[str, int]:
    """The server's live greenlets by what they run, after a full collection (the debug probe)."""
    before = set(server.probes.glob("probe-*.json")) if server.probes.exists() else set()
    server.process.send_signal(memprobe.SIGNAL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = set(server.probes.glob("probe-*.json")) - before if server.probes.exists() else set()
        for path in new:
            try:
                return json.loads(path.read_text())["greenlets_by_run"]
            except ValueError:
                pass  # still being written
        time.sleep(0.1)
    raise AssertionError("the memory probe did not answer")


def test_health_reports_lean_sockets(pinging_server):
    health = requests.get(f"{pinging_server.url}/healthz", timeout=10).json()
    assert health["live"]["lean_sockets"] is True


def test_an_idle_viewer_is_pinged_and_answers_stay_connected(pinging_server, episode_id):
    viewer = RawViewer(pinging_server, episode_id)
    try:
        while viewer.pings < 4:  # four heartbeats, each answered: the connection lives on
            viewer.next(lambda m: m == "2")
        viewer.ws.send('42/live,2["like",{"episode_id":%d}]' % episode_id)
        assert '"ok":true' in viewer.next(lambda m: m.startswith("43/live,2"))
    finally:
        viewer.close()


def test_an_answering_viewer_is_pinged_once_per_interval_not_continuously(pinging_server, episode_id):
    # The heartbeat is 1 s: over 5 s a viewer that answers every ping sees about five. A ping
    # timer restarted wrongly fires again at once after each pong (thousands a second).
    viewer = RawViewer(pinging_server, episode_id)
    try:
        viewer.next(lambda m: m == "2")  # the first heartbeat, answered
        first = viewer.pings
        time.sleep(5)
        assert 2 <= viewer.pings - first <= 8
    finally:
        viewer.close()


def test_a_viewer_that_stops_answering_pings_is_dropped_and_the_room_sees_it(pinging_server, episode_id):
    watcher = RawViewer(pinging_server, episode_id)
    silent = RawViewer(pinging_server, episode_id)
    try:
        watcher.next(lambda m: bool(watcher.viewer_counts) and watcher.viewer_counts[-1] >= 2)
        joined = watcher.viewer_counts[-1]
        silent.answering = False
        with pytest.raises(ConnectionError):
            silent.next(lambda m: False, timeout=20)  # the server closes it once its pong is overdue
        watcher.next(lambda m: watcher.viewer_counts[-1] == joined - 1, timeout=20)
    finally:
        watcher.close()
        silent.close()


def test_idle_viewers_hold_one_greenlet_each_not_three(pinging_server, episode_id):
    viewers = [RawViewer(pinging_server, episode_id) for _ in range(20)]
    try:
        for viewer in viewers:  # every connection has been pinged and has answered
            viewer.next(lambda m: m == "2")
        running = _greenlets(pinging_server)
        # engineio alone parks a writer and a ping greenlet per connection beside its reader
        # (pywsgi's handler); here pings are hub timers and a writer lives only while it writes.
        assert running.get("Socket._websocket_handler.<locals>.writer", 0) == 0, running
        assert running.get("Socket._send_ping", 0) == 0, running
        assert running.get("_handle_and_close_when_done", 0) >= 20, running  # pywsgi: one per connection
        assert running.get("LeanSocket._write_queued", 0) < 20, running
    finally:
        for viewer in viewers:
            viewer.close()


def _masked_frame(text: str) -> bytes:
    """A client's text frame (clients must mask; a short payload)."""
    payload = text.encode()
    mask = os.urandom(4)
    return bytes((0x81, 0x80 | len(payload))) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _read_text_frames(sock, last) -> list[str]:
    """The text frames the server sends after its 101 response, up to the first for which last() holds."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "closed during the handshake"
        data += chunk
    head, data = data.split(b"\r\n\r\n", 1)
    assert b" 101 " in head.split(b"\r\n", 1)[0]
    frames: list[str] = []
    while not frames or not last(frames[-1]):
        assert len(frames) < 50, frames
        while len(data) < 2 or len(data) < 2 + (data[1] & 0x7F if data[1] & 0x7F < 126 else 0) + \
                (2 if data[1] & 0x7F == 126 else 0):
            chunk = sock.recv(4096)
            assert chunk, "closed early"
            data += chunk
        length, head_len = data[1] & 0x7F, 2
        if length == 126:
            length, head_len = int.from_bytes(data[2:4], "big"), 4
        while len(data) < head_len + length:
            data += sock.recv(4096)
        frames.append(data[head_len:head_len + length].decode())
        data = data[head_len + length:]
    return frames


def test_frames_sent_right_behind_the_handshake_are_read(pinging_server, episode_id):
    """A client that does not wait for the server's open packet is still heard (read from pywsgi's buffer)."""
    request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{pinging_server.port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", pinging_server.port), timeout=15) as sock:
        sock.sendall(request + _masked_frame("40/live,")
                     + _masked_frame('42/live,1["join",{"episode_id":%d}]' % episode_id))  # one write
        frames = _read_text_frames(sock, lambda f: f.startswith("43/live,1"))
    assert frames[0].startswith("0{")  # engine.io open
    assert frames[1].startswith("40/live,{")  # the namespace connect, answered
    assert '"ok":true' in frames[-1], frames  # and the join
