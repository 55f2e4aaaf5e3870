"""Redis stops during a live episode: frozen (SIGSTOP) and then stopped and started again.

A real web process (gevent) with REDIS_URL and the Socket.IO message queue on a real redis-server,
real Socket.IO clients. While Redis is out, comments get a failed ack `unavailable` with a message
in the viewer's language and are not stored; the viewers stay connected and keep getting the room's
batches; likes are counted and reach the stored total once Redis is back; /healthz says
`unavailable` and then `ok` again, and comments are accepted and delivered again without any
restart of the web process.
"""
from __future__ import annotations

import time

import pytest

from tests.outage.site import Client, start_site, wait_stored_likes

pytestmark = pytest.mark.live_server
UNAVAILABLE = "服务暂时不可用，本次操作未保存。请稍后再试。"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    running = start_site(tmp_path_factory.mktemp("redis-outage"))
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("outage", ["frozen", "stopped"])
def test_a_redis_outage_fails_comments_keeps_viewers_and_likes_and_recovers_on_its_own(site, outage):
    alice = site.login("out_alice")
    viewer, author = Client(site), Client(site, alice)
    try:
        before = author.comment(f"停机前 {outage}")
        assert before["ok"], before
        assert viewer.wait_for(lambda v: f"停机前 {outage}" in v.bodies), site.log()
        initial = site.stored_likes()
        taps = author.like(5)
        assert wait_stored_likes(site, initial + taps) == initial + taps  # settled before the outage

        site.freeze_redis() if outage == "frozen" else site.stop_redis()
        body = site.wait_health(503)
        assert body["redis"] == body["message_queue"] == "unavailable" and body["database"] == "ok", body

        failed = author.comment(f"停机中 {outage}")
        assert failed["ok"] is False, failed
        assert failed["error"] == {"code": "unavailable", "message": UNAVAILABLE}
        seen = viewer.batches
        during = sum(author.like(4) for _ in range(5))
        assert during == 20
        # The viewer is still connected and still served: the like total comes in a batch.
        assert viewer.wait_for(lambda v: v.batches > seen), "no batch reached the viewer during the outage"
        assert viewer.client.connected and author.client.connected

        site.thaw_redis() if outage == "frozen" else site.start_redis_again()
        body = site.wait_health(200)
        assert body["redis"] == body["message_queue"] == "ok"

        after = author.comment(f"恢复后 {outage}")
        assert after["ok"], after
        assert viewer.wait_for(lambda v: f"恢复后 {outage}" in v.bodies), site.log()
        final = initial + taps + during
        assert wait_stored_likes(site, final) == final
        time.sleep(1.5)  # three more flushes: nothing is written twice
        assert site.stored_likes() == final
        bodies = site.stored_bodies()
        assert f"停机中 {outage}" not in bodies and f"恢复后 {outage}" in bodies  # no false success
        assert site.web.poll() is None
    finally:
        viewer.close()
        author.close()
