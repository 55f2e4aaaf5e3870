"""Real python-socketio clients against the real server process (gevent, background batcher)."""
from __future__ import annotations

import re
import threading

import pytest
import requests
import socketio

pytestmark = pytest.mark.live_server
PASSWORD = "live-room-pass-1"


def _user(server, username: str, role: str) -> None:
    done = server.flask("users", "create", "--username", username, "--display-name", username,
                        "--role", role, "--password", PASSWORD)
    assert done.returncode == 0 or "already" in done.stderr + done.stdout, done.stderr


def _session(server, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{server.url}/account/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = http.post(f"{server.url}/account/login", allow_redirects=False,
                       data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302
    return http


def _live_episode(server, coordinator: requests.Session) -> int:
    listed = coordinator.get(f"{server.url}/api/v1/episodes?state=live").json()["data"]
    if listed:
        return listed[0]["id"]
    episode_id = coordinator.get(f"{server.url}/api/v1/episodes?state=scheduled").json()["data"][0]["id"]
    console = coordinator.get(f"{server.url}/episodes/{episode_id}/console").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', console).group(1)
    coordinator.post(f"{server.url}/episodes/{episode_id}/console/state",
                     data={"step": "go_live", "csrf_token": token}, allow_redirects=False)
    assert coordinator.get(f"{server.url}/api/v1/episodes/{episode_id}").json()["data"]["state"] == "live"
    return episode_id


class Viewer:
    """A python-socketio client that records every batch it receives."""

    def __init__(self, server, http: requests.Session | None = None) -> None:
        self.client = socketio.Client(reconnection=False)
        self.batches: list[dict] = []
        self.got = threading.Condition()
        self.client.on("batch", self._on_batch, namespace="/live")
        cookie = "; ".join(f"{k}={v}" for k, v in (http.cookies.items() if http else []))
        self.client.connect(server.url, namespaces=["/live"], transports=["websocket"],
                            headers={"Cookie": cookie} if cookie else {}, wait_timeout=10)

    def _on_batch(self, batch: dict) -> None:
        with self.got:
            self.batches.append(batch)
            self.got.notify_all()

    def call(self, event: str, payload: dict) -> dict:
        return self.client.call(event, payload, namespace="/live", timeout=10)

    def wait_for_bodies(self, bodies: set[str], timeout: float = 10) -> list[dict]:
        """Batches up to the one that completes `bodies` (fails after timeout)."""
        def seen() -> set[str]:
            return {i["body"] for b in self.batches for i in b.get("items", []) if i["type"] == "comment"}
        with self.got:
            assert self.got.wait_for(lambda: bodies <= seen(), timeout=timeout), self.batches
            return list(self.batches)


def test_two_viewers_see_each_other_in_one_batch_and_resume(live_server):
    _user(live_server, "lr_coord", "coordinator")
    _user(live_server, "lr_alice", "public")
    _user(live_server, "lr_bob", "public")
    episode_id = _live_episode(live_server, _session(live_server, "lr_coord"))
    alice = Viewer(live_server, _session(live_server, "lr_alice"))
    bob = Viewer(live_server, _session(live_server, "lr_bob"))
    try:
        for viewer in (alice, bob):
            assert viewer.call("join", {"episode_id": episode_id})["ok"] is True
        # both comments are posted before the next flush can separate them: a batch of two
        results: dict[str, dict] = {}
        threads = [threading.Thread(target=lambda v=v, b=b: results.update({b: v.call(
            "comment", {"episode_id": episode_id, "body": b})})) for v, b in ((alice, "甲：后厨很干净"), (bob, "乙：冷库温度多少？"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r["ok"] for r in results.values()), results
        wanted = {"甲：后厨很干净", "乙：冷库温度多少？"}
        for viewer in (alice, bob):
            batches = viewer.wait_for_bodies(wanted)
            bodies = [i["body"] for b in batches for i in b.get("items", []) if i["type"] == "comment"]
            assert sorted(bodies) == sorted(wanted)  # each exactly once
        last_seq = max(r["seq"] for r in results.values())

        # bob drops; alice writes two more; bob comes back with the last seq he saw
        bob.client.disconnect()
        missed = [alice.call("comment", {"episode_id": episode_id, "body": f"错过的第{i}条"}) for i in (1, 2)]
        assert all(m["ok"] for m in missed)
        back = Viewer(live_server, None)
        ack = back.call("join", {"episode_id": episode_id, "last_seq": last_seq})
        assert [c["body"] for c in ack["comments"]] == ["错过的第1条", "错过的第2条"]
        assert [c["seq"] for c in ack["comments"]] == [m["seq"] for m in missed]
        back.client.disconnect()
    finally:
        for viewer in (alice, bob):
            if viewer.client.connected:
                viewer.client.disconnect()


class StalledViewer:
    """A raw Socket.IO websocket with a tiny receive buffer that stops reading after it joins."""

    def __init__(self, server, episode_id: int) -> None:
        import socket as socketlib

        import websocket

        self.items: list[dict] = []  # before the join: a batch may arrive while its ack is awaited
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10,
            sockopt=((socketlib.SOL_SOCKET, socketlib.SO_RCVBUF, 4096),))
        assert self.ws.recv().startswith("0")  # engine.io open
        self.ws.send("40/live,")
        assert self._next(lambda m: m.startswith("40/live,"))
        self.ws.send('42/live,1["join",{"episode_id":%d}]' % episode_id)
        assert '"ok":true' in self._next(lambda m: m.startswith("43/live,1"))

    def _next(self, wanted) -> str:
        while True:
            message = self.ws.recv()
            if message == "2":
                self.ws.send("3")  # pong
            elif message.startswith('42/live,["batch"'):
                import json

                self.items.extend(json.loads(message[len("42/live,"):])[1].get("items", []))
            if wanted(message):
                return message

    def read_until(self, done) -> None:
        """Read (answering pings) until done(items) holds."""
        while not done(self.items):
            self._next(lambda m: True)


def test_a_viewer_that_stops_reading_holds_nobody_up_and_then_gets_everything_in_order(live_server):
    """Frames go to each viewer directly (app/core/wire.py): a viewer that stops reading must not
    stall the others or lose a frame. (Partial writes on a full socket are in tests/test_wire.py:
    they are checked byte by byte there.)"""
    _user(live_server, "lr_host", "coordinator")
    host = _session(live_server, "lr_host")
    episode_id = _live_episode(live_server, host)
    stalled = StalledViewer(live_server, episode_id)
    reader = Viewer(live_server, None)
    try:
        assert reader.call("join", {"episode_id": episode_id})["ok"] is True
        console = host.get(f"{live_server.url}/episodes/{episode_id}/console").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', console).group(1)
        # 320 notes of 2,000 characters: ~3.8 MB of frames, more than loopback buffers take
        # (~2.8 MB) while the stalled viewer reads nothing, so its frames must wait their turn
        bodies = [f"第{n:03d}条讲解：" + "食品安全法第五十四条规定" * 166 for n in range(320)]
        for body in bodies:
            done = host.post(f"{live_server.url}/episodes/{episode_id}/console/notes",
                             data={"body": body, "csrf_token": token}, allow_redirects=False)
            assert done.status_code == 302, done.text[:500]

        def notes(items) -> list[str]:
            return [i["body"] for i in items if i["type"] == "note" and i["body"] in bodies]
        with reader.got:  # the reading viewer has them all while the other still reads nothing
            assert reader.got.wait_for(
                lambda: len(notes([i for b in reader.batches for i in b.get("items", [])])) == 320, timeout=60)
        frames = requests.get(f"{live_server.url}/healthz").json()["live"]
        assert frames["direct_frames"] is True and frames["frames"]["direct"] > 0
        # the stalled connection's frames went through engineio's queue or were finished later
        assert frames["frames"]["queued"] + frames["frames"]["partial"] > 0, frames

        stalled.read_until(lambda items: len(notes(items)) >= 320)
        assert notes(stalled.items) == bodies  # every frame whole, once, in order
    finally:
        stalled.ws.close()
        reader.client.disconnect()
