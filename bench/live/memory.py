"""Benchmark: resident memory per idle viewer of the real server, and where it goes.

    ulimit -n 20000
    .venv/bin/python bench/live/memory.py --configs sqlite,pg-mq --steps 1000,5000 \
        --postgres postgresql://postgres@127.0.0.1:55432 --redis redis://127.0.0.1:6390
    .venv/bin/python bench/live/memory.py --configs sqlite --steps 1000 --trace 8   # + tracemalloc by line

For each configuration (as in matrix.py: `sqlite`, `pg` = PostgreSQL + Redis counters, `pg-mq` =
the same with the Socket.IO message queue), starts `python wsgi.py` in the production
configuration with the debug-only memory probe on (app/core/memprobe.py: its signal collects
garbage and writes RSS and object counts), connects WARM idle viewers (first-use caches, pools,
arenas), probes, then adds viewers up to each step and probes again. Every viewer joins the one
live episode and then only answers pings. A probe is taken once the server's RSS has been steady
for a few seconds (joins settled) and after a full `gc.collect()`. Reports, per step, RSS and
KB per connection (growth from the previous probe / viewers added), greenlets and objects per
connection, and the object types that grew most. With --trace F the server runs tracemalloc
(F frames): RSS is then inflated by tracemalloc itself, but the growth by source line shows
what Python allocated per connection (greenlet stack copies included; their Python data stacks
and the C library's own buffers are not traced).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from matrix import fresh_database, flush_redis  # noqa: E402


def settle(pid: int, steady_s: float = 3.0, limit_s: float = 60.0) -> float:
    """Wait until the server's RSS moves less than 0.25 MB over steady_s seconds; returns the RSS (MB)."""
    samples: list[tuple[float, float]] = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        s = common.sample(pid)
        samples.append((s.at, s.rss_mb))
        window = [rss for at, rss in samples if at >= s.at - steady_s]
        if samples[0][0] <= s.at - steady_s and max(window) - min(window) < 0.25:
            return s.rss_mb
        time.sleep(0.5)
    return samples[-1][1]


#: app/core/memprobe.py's SIGNAL (SIGUSR1 and SIGUSR2 belong to app/core/probe.py).
PROBE_SIGNAL = signal.SIGRTMIN + 2


def probe(pid: int, directory: Path, n: int, timeout: float = 120) -> dict:
    """Signal the server's probe and read probe-<n>.json."""
    path = directory / f"probe-{n}.json"
    os.kill(pid, PROBE_SIGNAL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass  # still being written
        time.sleep(0.2)
    raise RuntimeError(f"no {path}")


def config_args(name: str, args) -> dict:
    """Server keyword arguments for one configuration."""
    if name == "sqlite":
        return {}
    redis_url = args.redis.rstrip("/") + "/0"
    flush_redis(redis_url)
    out = {"database_url": fresh_database(args.postgres), "redis_url": redis_url}
    if name == "pg-mq":
        out["message_queue"] = redis_url
    return out


def growth(before: dict, after: dict, viewers: int) -> dict:
    """Per-connection growth between two probes."""
    types = {t: (after["types"].get(t, 0) - before["types"].get(t, 0)) / viewers
             for t in set(after["types"]) | set(before["types"])}
    top = sorted(((t, round(v, 2)) for t, v in types.items() if v >= 0.5), key=lambda kv: -kv[1])[:25]
    out = {"kb_per_connection": round((after["rss_kb"] - before["rss_kb"]) / viewers, 1),
           "greenlets_per_connection": round((after["greenlets_all"] - before["greenlets_all"]) / viewers, 2),
           "gc_objects_per_connection": round((after["gc_objects"] - before["gc_objects"]) / viewers, 1),
           "types_per_connection": dict(top)}
    if "traced_kb" in after and "traced_kb" in before:
        out["traced_kb_per_connection"] = round((after["traced_kb"] - before["traced_kb"]) / viewers, 2)
    return out


def run_config(name: str, args) -> dict:
    """One server, probed after the warm-up and after each step."""
    probes = Path(tempfile.mkdtemp(prefix="zhibo-memprobe-"))
    env = {"ZHIBO_MEMPROBE": str(probes), **dict(kv.split("=", 1) for kv in args.server_env)}
    if args.trace:
        env["ZHIBO_MEMPROBE_TRACE"] = str(args.trace)
    server = common.Server(extra_env=env, **config_args(name, args))
    server_cpu, client_cpu = common.cores()
    report: dict = {"config": name, "engine": server.engine, "server_env": args.server_env,
                    "instance": server.instance, "concurrency": args.concurrency,
                    "trace_frames": args.trace, "machine_before": common.machine(), "steps": []}
    swarms = []
    try:
        episode = server.task("setup", "--commenters", "1")["episode_id"]
        server.start(server_cpu)
        pid = server.process.pid
        report["rss_mb_started"] = round(common.sample(pid).rss_mb, 1)
        connected, n = 0, 0
        previous = None
        for target in [args.warm, *args.steps]:
            add = target - connected
            if add <= 0:
                continue
            swarm = common.spawn_swarm(client_cpu, {
                "mode": "idle", "port": server.port, "episode_id": episode, "viewers": add,
                "concurrency": args.concurrency, "seconds": 0, "drain": 0,
                "result_path": f"{server.instance}/swarm-{target}.json"})
            swarms.append(swarm)
            ready = json.loads(common.expect_line(swarm, "READY "))
            connected += ready["viewers"]
            settled = settle(pid)
            n += 1
            current = probe(pid, probes, n)
            step = {"viewers": connected, "added": ready["viewers"], "connect_errors": ready["connect_errors"],
                    "rss_mb_settled": round(settled, 1), "rss_mb": round(current["rss_kb"] / 1024, 1),
                    "greenlets": current["greenlets_all"], "gc_objects": current["gc_objects"],
                    # engineio sockets alive in the server (a viewer dropped after its join is not)
                    "server_sockets": current["types"].get("LeanSocket", 0) + current["types"].get("Socket", 0),
                    "greenlets_by_run": dict(list(current.get("greenlets_by_run", {}).items())[:8])}
            if previous is not None:
                step.update(growth(previous, current, ready["viewers"]))
                if "growth_by_line" in current:
                    step["growth_by_line"] = current["growth_by_line"][:args.lines]
            report["steps"].append(step)
            print(f"  {name}: {connected} viewers, RSS {step['rss_mb']} MB, "
                  f"{step.get('kb_per_connection', '-')} KB per connection", file=sys.stderr, flush=True)
            previous = current
    finally:
        for swarm in swarms:
            if swarm.poll() is None:
                swarm.kill()
        server.stop()
    report["machine_after"] = common.machine()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="sqlite,pg-mq")
    parser.add_argument("--steps", default="1000,5000", help="total idle viewers at each probe")
    parser.add_argument("--warm", type=int, default=200, help="viewers connected before the first probe")
    parser.add_argument("--concurrency", type=int, default=25,
                        help="joins at once (100 exhausts the PostgreSQL pool: joins queue on the episode row)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:55432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6390")
    parser.add_argument("--trace", type=int, default=0, help="tracemalloc frames in the server (0: off)")
    parser.add_argument("--lines", type=int, default=30, help="allocation sites reported per step with --trace")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()
    args.steps = [int(s) for s in args.steps.split(",")]
    common.raise_nofile()
    reports = [run_config(name, args) for name in args.configs.split(",")]
    text = json.dumps(reports, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    print("\n| config | viewers | RSS | per connection (step) | greenlets / conn | objects / conn |", file=sys.stderr)
    print("|---|---|---|---|---|---|", file=sys.stderr)
    for r in reports:
        for s in r["steps"][1:]:
            print(f"| {r['config']} | {s['viewers']:,} | {s['rss_mb']} MB | {s['kb_per_connection']} KB | "
                  f"{s['greenlets_per_connection']} | {s['gc_objects_per_connection']} |", file=sys.stderr)


if __name__ == "__main__":
    main()
