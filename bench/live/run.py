"""Benchmark: N Socket.IO viewers in one live episode while commenters post R comments/s.

    .venv/bin/python bench/live/run.py --viewers 5000 --rate 100 --seconds 30
    .venv/bin/python bench/live/run.py --viewers 8000 --rate 100 --seconds 30 --clients 1
    .venv/bin/python bench/live/run.py --viewers 1000 --database-url postgresql://postgres@127.0.0.1:55432/zhibo_bench

Starts the real server (`python wsgi.py`, gevent) with a fresh instance dir and database,
pinned to CPU 0; logs M commenters in through the login form; starts the load generator
(bench/live/swarm.py, raw-protocol client) pinned to CPU 1. Reports delivery latency
(comment sent → `batch` received; every sampled viewer × every comment), comments acked vs
persisted vs delivered (every viewer must receive every acked seq exactly once), server CPU
and memory per connection. Exit status 1 when a comment was lost or doubled.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def analyse(results: list[dict], verify: dict, viewers_per_proc: list[int]) -> dict:
    """Latency, delivery and persistence from the swarm processes' results and the database."""
    comments = next((r["comments"] for r in results if "comments" in r), None) or {}
    acked = set(comments.get("ack_seqs", []))
    latencies: list[float] = []
    all_had: dict[tuple, float] = {}
    sends: dict[tuple, list[float]] = {}
    duplicates, overlap, incomplete = 0, 0, 0
    for proc, result in enumerate(results):
        seen: set[int] = set()
        missing: set[int] = set()
        for rec in result["records"]:
            key = tuple(rec["seqs"])
            overlap += len(seen & set(rec["seqs"]))
            seen |= set(rec["seqs"])
            duplicates += rec["receipts"] - rec["distinct"]
            missing |= set(rec["missing"])
            sends[key] = rec["sends"]
            all_had[key] = max(all_had.get(key, 0.0), rec["last"])
            for recv in rec["sampled"]:
                latencies.extend(recv - s for s in rec["sends"])
        incomplete += len(missing)
        result["_seen"] = seen
    delivered_union = set().union(*(r["_seen"] for r in results)) if results else set()
    per_proc_complete = all(r["_seen"] >= acked for r in results if r["viewers"])
    latencies.sort()
    spread = sorted(last - s for key, last in all_had.items() for s in sends[key])
    stored = set(verify["seqs"])
    return {
        "comments_sent": comments.get("sent", 0), "comments_acked": len(acked),
        "comments_failed": comments.get("failed", {}), "comments_unacked": comments.get("unacked", 0),
        "comments_held": comments.get("held", 0), "comments_persisted": verify["comments"],
        "acked_not_persisted": len(acked - stored), "persisted_not_acked": len(stored - acked),
        "delivered_distinct_seqs": len(delivered_union), "acked_not_delivered": len(acked - delivered_union),
        "every_viewer_got_every_seq_once": per_proc_complete and duplicates == 0 and incomplete == 0
        and overlap == 0,
        "viewers_missing_something": incomplete, "duplicate_receipts": duplicates, "seq_in_two_batches": overlap,
        "latency_samples": len(latencies),
        "latency_p50_ms": _ms(common.quantile(latencies, 0.50)),
        "latency_p99_ms": _ms(common.quantile(latencies, 0.99)),
        "latency_max_ms": _ms(latencies[-1] if latencies else None),
        "all_viewers_had_it_p99_ms": _ms(common.quantile(spread, 0.99)),
        "ack_p50_ms": _ms(common.quantile(comments.get("ack_latency", []), 0.50)),
        "ack_p99_ms": _ms(common.quantile(comments.get("ack_latency", []), 0.99)),
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100, help="comments per second (all commenters)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--commenters", type=int, default=20)
    parser.add_argument("--clients", type=int, default=1, help="load-generator processes (all on the client CPU)")
    parser.add_argument("--sample", type=int, default=200, help="viewers whose every receipt is timed")
    parser.add_argument("--concurrency", type=int, default=100, help="connections being opened at once")
    parser.add_argument("--drain", type=float, default=3.0)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--message-queue")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the server (e.g. LIVE_FLUSH_INTERVAL=0.5)")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes sharing the database (use --message-queue redis://… with 2+); "
                        "viewers are split evenly, commenters spread over all of them")
    parser.add_argument("--server-cpus", help="comma-separated CPUs for the server processes "
                        "(default: all on the first CPU, the load generator on the second)")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the server during the load phase "
                        "(py-spy raw/collapsed stacks; `pip install py-spy` first)")
    parser.add_argument("--cpu-quota", type=float, help="cap each server process at this many cores of CPU "
                        "time (cgroup v1 CFS quota, root only): an emulated core per process")
    parser.add_argument("--probe", action="store_true", help="measure the server's round trips and hub delay "
                        "during the load phase (app/core/probe.py)")
    args = parser.parse_args()

    common.raise_nofile()
    server_cpu, client_cpu = common.cores()
    server = common.Server(args.database_url, args.redis_url, args.message_queue,
                           dict(kv.split("=", 1) for kv in args.server_env))
    if args.probe:
        server.extra_env["PROBE_FILE"] = f"{server.instance}/probe-{{pid}}.json"
    # Further processes share the first one's instance dir: the same database and SECRET_KEY.
    servers = [server] + [common.Server(args.database_url, args.redis_url, args.message_queue, server.extra_env,
                                        instance=server.instance) for _ in range(args.processes - 1)]
    cpus = (args.server_cpus or "").split(",") if args.server_cpus else [server_cpu] * args.processes
    report: dict = {"benchmark": "live comments", "viewers": args.viewers, "rate": args.rate,
                    "seconds": args.seconds, "commenters": args.commenters, "clients": args.clients,
                    "server_env": args.server_env, "processes": args.processes,
                    "message_queue": bool(args.message_queue),
                    "engine": server.engine, "cpu_quota": args.cpu_quota, "pinning": {"server_cpus": cpus, "client_cpu": client_cpu},
                    "machine_before": common.machine(), "instance": server.instance}
    procs = []
    try:
        data = server.task("setup", "--commenters", str(args.commenters))
        episode = data["episode_id"]
        for proc_server, cpu in zip(servers, cpus * args.processes):
            proc_server.start(cpu)
            if args.cpu_quota:
                proc_server.limit_cpu(args.cpu_quota)
        pids = [s.process.pid for s in servers]
        cookies = [common.login(server.url, name) for name in data["usernames"][:args.commenters]]
        before = common.sample_all(pids)
        clients = max(args.clients, args.processes)  # each load-generator process talks to one server
        split = [args.viewers // clients + (1 if i < args.viewers % clients else 0) for i in range(clients)]
        started = time.monotonic()
        for i, n in enumerate(split):
            procs.append(common.spawn_swarm(client_cpu, {
                "mode": "comments", "port": servers[i % len(servers)].port, "episode_id": episode, "viewers": n,
                "sample_every": max(1, args.viewers // args.sample), "concurrency": args.concurrency,
                "commenter_cookies": cookies if i == 0 else [], "commenter_ports": [s.port for s in servers],
                "rate": args.rate, "seconds": args.seconds,
                "drain": args.drain, "result_path": f"{server.instance}/swarm{i}.json"}))
        ready = [json.loads(common.expect_line(p, "READY ")) for p in procs]
        report["connect_s"] = round(time.monotonic() - started, 1)
        report["connected"] = ready
        time.sleep(2)  # let the joins' viewer-count batches settle
        joined = common.sample_all(pids)
        report["server_rss_mb_idle"] = round(before.rss_mb, 1)
        report["server_rss_mb_joined"] = round(joined.rss_mb, 1)
        connected = sum(r["viewers"] for r in ready)
        report["server_kb_per_connection"] = round(1024 * (joined.rss_mb - before.rss_mb) / max(connected, 1), 1)
        go = time.time() + 1.0
        for p in procs:
            p.stdin.write(f"GO {go}\n")
            p.stdin.flush()
        time.sleep(max(0.0, go - time.time()))
        spy = common.py_spy(pids[0], args.py_spy, args.seconds) if args.py_spy else None
        if args.probe:
            common.signal_all(pids, signal.SIGUSR2)  # forget the joins: measure the load phase
        s0, per_second = common.sample_all(pids), []
        prev = s0
        while time.time() < go + args.seconds:
            time.sleep(1.0)
            cur = common.sample_all(pids)
            per_second.append(common.cpu_percent(prev, cur))
            prev = cur
        report["server_cpu_pct"] = common.cpu_percent(s0, prev)
        report["server_cpu_wait_pct"] = common.wait_percent(s0, prev)
        report["server_cpu_pct_max_1s"] = max(per_second) if per_second else None
        report["server_rss_mb_end"] = round(prev.rss_mb, 1)
        if args.probe:
            common.signal_all(pids, signal.SIGUSR1)
            time.sleep(1.0)
            report["probe"] = {str(pid): json.loads(Path(f"{server.instance}/probe-{pid}.json").read_text())
                               for pid in pids}
        if spy:
            spy.wait(60)
        for p in procs:
            common.expect_line(p, "DONE", timeout=120)
            p.wait(30)
        results = [json.loads(Path(f"{server.instance}/swarm{i}.json").read_text()) for i in range(len(procs))]
        report["client_cpu_pct"] = [r["client_cpu_pct"] for r in results]
        report["viewers_dropped"] = sum(r["viewers_dropped"] for r in results)
        report["batches_distinct"] = max(r["batches_distinct"] for r in results)
        report["out_of_order"] = sum(r.get("out_of_order", 0) for r in results)
        verify = server.task("verify", "--episode", str(episode))
        report.update(analyse(results, verify, split))
        report["like_count"], report["peak_viewers"] = verify["like_count"], verify["peak_viewers"]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for proc_server in servers:
            proc_server.stop()
    report["machine_after"] = common.machine()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    ok = (report.get("acked_not_persisted") == 0 and report.get("acked_not_delivered") == 0
          and report.get("every_viewer_got_every_seq_once") and report.get("out_of_order") == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
