"""Scale-out matrix: the most viewers each deployment holds at delivery p99 < 1 s.

    ulimit -n 20000
    .venv/bin/python bench/live/matrix.py --configs sqlite,pg,pg-mq,pg-mq-2 \
        --steps 1000,2000,3000,4000,5000,6000,8000 --rate 100 --seconds 20 \
        --postgres postgresql://postgres@127.0.0.1:55432 --redis redis://127.0.0.1:6390 --json /tmp/matrix.json

For each configuration, runs bench/live/run.py at increasing viewer counts (a fresh
database each run) and stops at the first count that misses: delivery p99 ≥ 1 s, a
comment acked but not stored or not delivered, a duplicate or out-of-order receipt.
Configurations:

- sqlite     one process, the embedded default (SQLite, in-memory counters, no queue)
- pg         one process, PostgreSQL + Redis counters/rate limits, no message queue
- pg-mq      the same with the Socket.IO message queue on Redis
- pg-mq-2    two processes + Redis message queue (viewers and commenters split over both)

Prints one Markdown row per run and a summary row per configuration.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable


def fresh_database(base: str) -> str:
    """Create an empty PostgreSQL database on the server at base; its URL."""
    import psycopg

    name = "zhibo_matrix_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base.rstrip('/')}/{name}"


def flush_redis(url: str) -> None:
    """Start each run with an empty Redis database (counters, presence, rate limits)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def config_args(name: str, args) -> list[str]:
    """run.py arguments for one configuration."""
    if name == "sqlite":
        return []
    redis_url = args.redis.rstrip("/") + "/0"
    flush_redis(redis_url)
    out = ["--database-url", fresh_database(args.postgres), "--redis-url", redis_url]
    if name.startswith("pg-mq"):
        out += ["--message-queue", redis_url]
    if name.endswith("-2"):
        out += ["--processes", "2"]
        if args.two_cpus:
            out += ["--server-cpus", args.two_cpus]
    return out


def held(report: dict) -> bool:
    """Every comment delivered exactly once, in order, and p99 under one second."""
    p99 = report.get("latency_p99_ms")
    return (p99 is not None and p99 < 1000 and report.get("acked_not_persisted") == 0
            and report.get("acked_not_delivered") == 0 and bool(report.get("every_viewer_got_every_seq_once"))
            and report.get("out_of_order") == 0 and report.get("comments_acked") == report.get("comments_sent"))


def row(name: str, r: dict) -> str:
    """One Markdown table row; deliveries are comment receipts per second (acked comments × viewers)."""
    seconds = r["seconds"]
    deliveries = round(r.get("comments_acked", 0) * sum(c["viewers"] for c in r["connected"]) / seconds)
    return (f"| {name} | {r['viewers']:,} | {r['rate']:g}/s | {r.get('latency_p50_ms')} ms | "
            f"{r.get('latency_p99_ms')} ms | {r.get('comments_sent')} / {r.get('comments_acked')} / "
            f"{r.get('comments_persisted')} | {'yes' if r.get('every_viewer_got_every_seq_once') else 'no'} / "
            f"{r.get('out_of_order')} | {deliveries:,}/s | {r.get('server_cpu_pct')}% | "
            f"{r.get('server_rss_mb_joined')} MB | {r.get('server_kb_per_connection')} KB | "
            f"{r.get('client_cpu_pct')} | {r.get('connect_s')} s | {'held' if held(r) else 'missed'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="sqlite,pg,pg-mq,pg-mq-2")
    parser.add_argument("--steps", default="1000,2000,3000,4000,5000,6000,8000")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:55432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6390")
    parser.add_argument("--two-cpus", help="--server-cpus for the two-process runs (default: both on the server CPU)")
    parser.add_argument("--cpu-quota", type=float, help="cap every server process at this many cores "
                        "(run.py --cpu-quota: an emulated core each, for the scale-out comparison)")
    parser.add_argument("--all-steps", action="store_true",
                        help="run every step even past a miss (overload rows: is order kept?)")
    parser.add_argument("--json")
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]
    results: dict[str, list[dict]] = {}
    print("| config | viewers | rate | p50 | p99 | sent / acked / stored | exactly once / out of order | "
          "deliveries | server CPU | RSS joined | per connection | client CPU | connect | |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.configs.split(","):
        results[name] = []
        for viewers in steps:
            out = f"/tmp/zhibo-matrix-{name}-{viewers}.json"
            cmd = [PYTHON, str(HERE / "run.py"), "--viewers", str(viewers), "--rate", str(args.rate),
                   "--seconds", str(args.seconds), "--json", out, *config_args(name, args)]
            if args.cpu_quota:
                cmd += ["--cpu-quota", str(args.cpu_quota)]
            subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                report = json.loads(Path(out).read_text())
            except (OSError, ValueError):
                print(f"| {name} | {viewers:,} | run failed: see {' '.join(cmd)} |", flush=True)
                break
            results[name].append(report)
            print(row(name, report), flush=True)
            if not held(report) and not args.all_steps:
                break
    print()
    for name, runs in results.items():
        best = max((r["viewers"] for r in runs if held(r)), default=0)
        print(f"- {name}: held {best:,} viewers at {args.rate:g} comments/s (p99 < 1 s, exactly once, in order)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
