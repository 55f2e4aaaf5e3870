"""A 30 s Redis or PostgreSQL outage during a live episode, with the production timeouts.

    .venv/bin/python bench/outage.py [--seconds 30] [--kinds redis-frozen,redis-stopped,pg-frozen,pg-stopped]

Runs the site of tests/outage (one gevent web process, real redis-server, a throwaway PostgreSQL)
with the default timeouts of config.py, holds each outage for --seconds while a commenter posts
one comment a second and taps likes, and prints per outage: how long a failed comment ack took
(median and slowest), how soon /healthz said so, how soon after the server came back /healthz
said ok and the first comment was accepted and delivered, whether the viewer stayed connected,
and whether the stored like total is exact. Figures in docs/outages.md.
"""
from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.outage.site import Client, start_site, wait_stored_likes  # noqa: E402


def _until(check, timeout: float = 120) -> float:
    """Seconds until check() holds."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.1)
    return time.monotonic() - started


def run(site, kind: str, seconds: float) -> dict:
    viewer, author = Client(site), Client(site, site.login("out_alice"))
    initial = site.stored_likes()
    taps = author.like(10)
    wait_stored_likes(site, initial + taps)
    start, stop = {
        "redis-frozen": (site.freeze_redis, site.thaw_redis),
        "redis-stopped": (site.stop_redis, site.start_redis_again),
        "pg-frozen": (lambda: site.pg.signal(signal.SIGSTOP), lambda: site.pg.signal(signal.SIGCONT)),
        "pg-stopped": (site.pg.stop, site.pg.start),
    }[kind]
    began = time.monotonic()
    start()
    health_down = _until(lambda: site.health()[0] == 503)
    acks, codes, during = [], set(), 0
    tapping = True

    def tap() -> None:
        nonlocal during
        while tapping:
            during += author.like(5)
            time.sleep(0.25)

    tapper = threading.Thread(target=tap)
    tapper.start()
    n = 0
    while time.monotonic() - began < seconds:
        n += 1
        sent = time.monotonic()
        ack = author.comment(f"{kind} 停机中 {n}")
        acks.append(time.monotonic() - sent)
        codes.add("ok" if ack["ok"] else ack["error"]["code"])
        time.sleep(max(0.0, 1.0 - (time.monotonic() - sent)))
    tapping = False
    tapper.join()
    connected = viewer.client.connected and author.client.connected
    stop()
    back = time.monotonic()
    health_up = _until(lambda: site.health()[0] == 200)
    accepted = None
    while accepted is None:
        ack = author.comment(f"{kind} 恢复后")
        accepted = time.monotonic() - back if ack["ok"] else None
    delivered = _until(lambda: f"{kind} 恢复后" in viewer.bodies)
    expected = initial + taps + during
    stored = wait_stored_likes(site, expected, timeout=60)
    time.sleep(3)
    viewer.close()
    author.close()
    return {"kind": kind, "outage_s": round(back - began, 1), "healthz_503_after_s": round(health_down, 2),
            "failed_ack_median_s": round(statistics.median(acks), 2), "failed_ack_max_s": round(max(acks), 2),
            "ack_codes": sorted(codes), "viewers_connected": connected,
            "healthz_200_after_return_s": round(health_up, 2), "first_comment_ok_after_return_s": round(accepted, 2), "then_delivered_in_s": round(delivered, 2),
            "likes_during": during, "likes_exact": site.stored_likes() == expected == stored,
            "web_process_alive": site.web.poll() is None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kinds", default="redis-frozen,redis-stopped,pg-frozen,pg-stopped")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="zhibo-outage-bench."))
    site = start_site(base, own_postgres=True, timeouts={})
    try:
        for kind in args.kinds.split(","):
            print(run(site, kind, args.seconds), flush=True)
    finally:
        site.stop()


if __name__ == "__main__":
    main()
