"""Join storms and restarts on the production shape (Redis, message queue, two web processes).

Hundreds of raw Socket.IO clients (bench/live/sioclient.py) join at once: every one gets its ack
with the room's history, and the episode's views end exact however often they come back. A web
process killed with SIGKILL and started again on its port: its viewers reconnect by themselves
(python-socketio's backoff with jitter, as the site's client does) and resume with nothing missed.
No timing thresholds: the waits only bound how long a broken cluster may take to show it.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.scaleout.cluster import start_cluster, token

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "live"))
from sioclient import connect  # noqa: E402

STORM = 300
HISTORY = 50  # app.live.comments.HISTORY_SIZE: the recent history a join without last_seq gets


def _run(coroutine):
    """asyncio.run in a thread of its own: the browser tests leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()



@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The cluster with the demo's upcoming episode live and 60 comments in it."""
    running = start_cluster(tmp_path_factory.mktemp("joins"))
    try:
        coordinator = {"Authorization": f"Bearer {token(running, 'sfj')}"}
        episodes = requests.get(running.urls["a"] + "/api/v1/episodes?state=scheduled", timeout=10).json()
        running.episode_id = episodes["data"][0]["id"]
        answer = requests.post(f"{running.urls['a']}/api/v1/episodes/{running.episode_id}/transition",
                               json={"step": "go_live"}, headers=coordinator, timeout=10)
        assert answer.status_code == 200, answer.text
        running.citizen = {"Authorization": f"Bearer {token(running, 'citizen01')}"}
        running.seqs = [_post(running, "ab"[n % 2], f"风暴前的评论 {n}") for n in range(60)]
        yield running
    except Exception:
        print(running.logs())
        raise
    finally:
        running.stop()


def _post(cluster, name: str, body: str) -> int:
    answer = requests.post(f"{cluster.urls[name]}/api/v1/episodes/{cluster.episode_id}/comments",
                           json={"body": body}, headers=cluster.citizen, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["data"]["seq"]


def _views(cluster) -> int:
    live = requests.get(f"{cluster.urls['a']}/api/v1/episodes/{cluster.episode_id}/live", timeout=10)
    return live.json()["data"]["views"]


def _wait_views(cluster, at_least: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while (views := _views(cluster)) < at_least and time.monotonic() < deadline:
        time.sleep(0.3)
    return views


async def _storm(cluster, keys: list[str], names: str) -> list[dict]:
    """Connect one raw client per key, all at once, spread over the processes; join; their acks."""
    async def one(i: int, key: str) -> dict:
        port = cluster.port(names[i % len(names)])
        conn = await connect("127.0.0.1", port, timeout=60)
        try:
            return await asyncio.wait_for(conn.emit("join", {"episode_id": cluster.episode_id, "viewer_key": key}), 60)
        finally:
            conn.close()
    return await asyncio.gather(*(one(i, key) for i, key in enumerate(keys)))


def test_a_join_storm_gets_every_viewer_its_history_and_views_end_exact(cluster):
    before = _views(cluster)
    keys = [f"storm-browser-{n:05d}" for n in range(STORM)]
    acks = _run(_storm(cluster, keys, "ab"))
    failed = [a for a in acks if not a.get("ok")]
    assert failed == []
    recent = cluster.seqs[-HISTORY:]
    assert all([c["seq"] for c in a["comments"]] == recent and a["last_seq"] == recent[-1] for a in acks)

    # The same browsers come back (reloads, reconnects) through the other process; then a few new ones.
    again = _run(_storm(cluster, keys, "ba"))
    assert all(a.get("ok") for a in again)
    newcomers = [f"late-browser-{n:03d}" for n in range(20)]
    assert all(a.get("ok") for a in _run(_storm(cluster, newcomers, "a")))
    # The newcomers were noted after every returning viewer: once they are counted, all are.
    assert _wait_views(cluster, before + STORM + 20) == before + STORM + 20


class Resumer:
    """A python-socketio client that reconnects by itself and joins again from the last seq it saw."""

    def __init__(self, url: str, episode_id: int) -> None:
        self.episode_id = episode_id
        self.seqs: set[int] = set()
        self.joins = 0
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2,
                                      randomization_factor=0.5)
        self.client.on("connect", self._join, namespace="/live")
        self.client.on("batch", lambda batch: self._take(batch.get("items", [])), namespace="/live")
        self.client.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)

    def _join(self) -> None:
        with self.lock:
            payload = {"episode_id": self.episode_id}
            if self.seqs:
                payload["last_seq"] = max(self.seqs)
        self.client.emit("join", payload, namespace="/live", callback=self._joined)

    def _joined(self, ack: dict) -> None:
        assert ack["ok"], ack
        self._take(ack["comments"])
        with self.lock:
            self.joins += 1

    def _take(self, items: list[dict]) -> None:
        with self.lock:
            self.seqs.update(i["seq"] for i in items if i.get("type", "comment") == "comment")

    def wait_for(self, predicate, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.1)
        return False


def test_a_restarted_process_takes_its_viewers_back_and_they_miss_nothing(cluster):
    viewers = [Resumer(cluster.urls["b"], cluster.episode_id) for _ in range(5)]
    try:
        first = min(cluster.seqs[-HISTORY:])
        before = [_post(cluster, "a", f"重启前 {n}") for n in range(5)]
        for viewer in viewers:
            assert viewer.wait_for(lambda v: v.joins == 1 and set(before) <= v.seqs), cluster.logs()

        port = cluster.port("b")
        cluster.kill_web("b")
        during = [_post(cluster, "a", f"进程停止时 {n}") for n in range(5)]
        cluster.start_web("b", port=port)  # the same address: what a restart behind nginx looks like
        after = [_post(cluster, "a", f"重启后 {n}") for n in range(5)]

        published = set(range(first, after[-1] + 1)) & set(cluster.seqs[-HISTORY:] + before + during + after)
        for viewer in viewers:
            assert viewer.wait_for(lambda v: v.joins >= 2 and published <= v.seqs), (
                sorted(published - viewer.seqs), cluster.logs())
    finally:
        for viewer in viewers:
            viewer.client.disconnect()
