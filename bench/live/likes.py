"""Benchmark: like taps at 20,000/s from many connections; taps absorbed and database writes.

    .venv/bin/python bench/live/likes.py --taps 20000 --tappers 1250 --seconds 20

Each tapper joins the live episode and sends `like {count}` once a second (phases spread over
the second), staying under LIKE_RATE_PER_SECOND (20) per connection. Meanwhile this process
polls `episodes.like_count` every 50 ms straight from the database: each change it sees is
one committed like flush (an UPDATE), so changes/second is the database writes/second for
likes (a flush every LIKE_FLUSH_SECONDS = 1 s is far slower than the polling).
At the end: taps acked (accepted) vs the stored like_count, which must be equal.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def poll_likes(url: str, episode_id: int, stop: threading.Event, seen: list) -> None:
    """Append (time, like_count) whenever the stored count changes."""
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    last = None
    with engine.connect() as conn:
        while not stop.is_set():
            value = conn.execute(text("SELECT like_count FROM episodes WHERE id = :id"), {"id": episode_id}).scalar()
            conn.commit()
            if value != last:
                seen.append((time.time(), value))
                last = value
            stop.wait(0.05)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=20000, help="offered taps per second (all tappers)")
    parser.add_argument("--tappers", type=int, default=1250)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--message-queue")
    parser.add_argument("--json")
    args = parser.parse_args()
    per_msg = max(1, round(args.taps / args.tappers))

    common.raise_nofile()
    server_cpu, client_cpu = common.cores()
    server = common.Server(args.database_url, args.redis_url, args.message_queue)
    db_url = args.database_url or f"sqlite:///{server.instance}/zhibo.sqlite3"
    report: dict = {"benchmark": "live likes", "offered_taps_per_s": per_msg * args.tappers, "tappers": args.tappers,
                    "taps_per_message": per_msg, "seconds": args.seconds, "engine": server.engine,
                    "pinning": {"server_cpu": server_cpu, "client_cpu": client_cpu},
                    "machine_before": common.machine(), "instance": server.instance}
    proc, stop, seen = None, threading.Event(), []
    try:
        episode = server.task("setup", "--commenters", "1")["episode_id"]
        server.start(server_cpu)
        pid = server.process.pid
        proc = common.spawn_swarm(client_cpu, {
            "mode": "likes", "port": server.port, "episode_id": episode, "tappers": args.tappers,
            "taps_per_msg": per_msg, "msgs_per_s": 1, "seconds": args.seconds, "drain": 3.0,
            "concurrency": args.concurrency, "result_path": f"{server.instance}/likes.json"})
        report["connected"] = json.loads(common.expect_line(proc, "READY "))
        poller = threading.Thread(target=poll_likes, args=(db_url, episode, stop, seen), daemon=True)
        poller.start()
        time.sleep(1.5)
        go = time.time() + 1.0
        proc.stdin.write(f"GO {go}\n")
        proc.stdin.flush()
        time.sleep(max(0.0, go - time.time()))
        s0 = common.sample(pid)
        time.sleep(args.seconds)
        s1 = common.sample(pid)
        report["server_cpu_pct"] = common.cpu_percent(s0, s1)
        report["server_cpu_wait_pct"] = common.wait_percent(s0, s1)
        report["server_rss_mb"] = round(s1.rss_mb, 1)
        common.expect_line(proc, "DONE", timeout=120)
        proc.wait(30)
        time.sleep(2.5)  # the last flush
        stop.set()
        poller.join(10)
        result = json.loads(Path(f"{server.instance}/likes.json").read_text())["likes"]
        verify = server.task("verify", "--episode", str(episode))
    finally:
        stop.set()
        if proc is not None and proc.poll() is None:
            proc.kill()
        server.stop()
    window = [v for t, v in seen if go <= t <= go + args.seconds + 2]
    writes = len([1 for t, _v in seen if go <= t <= go + args.seconds])
    steady = list(result["accepted_by_second"].values())[1:-1] or [0]
    report.update({
        "taps_sent": result["sent_taps"], "messages": result["messages"], "acked_ok": result["acked_ok"],
        "taps_accepted": result["accepted"], "failed": result["failed"], "unacked": result["unacked"],
        "taps_absorbed_per_s": round(result["accepted"] / args.seconds),
        "taps_absorbed_per_s_steady_min": min(steady), "taps_absorbed_per_s_steady_max": max(steady),
        "like_count_stored": verify["like_count"], "lost_or_extra": verify["like_count"] - result["accepted"],
        "db_like_writes_in_window": writes, "db_like_writes_per_s": round(writes / args.seconds, 2),
        "like_count_changes": len(window), "machine_after": common.machine(),
    })
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    sys.exit(0 if report["lost_or_extra"] == 0 else 1)


if __name__ == "__main__":
    main()
