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
