"""Benchmark: the episode page and the comment-history API with 1,000 and 100,000 stored comments.

    .venv/bin/python bench/live/history.py --comments 1000,100000 --requests 500

Bulk-inserts the comments (one executemany per 10,000 rows) into two live episodes, starts
the real server pinned to CPU 0 and, from CPU 1, sends each URL `--requests` times one after
another, a new connection per request as nginx opens to its upstream (--keep-alive: one
connection), anonymous as a viewer: p50/p95/p99. Then,
in-process (the Flask test client with an SQLAlchemy `before_cursor_execute` counter), the
number of SQL statements each URL runs for each size: it must not grow with the data.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from dbtasks import urls  # noqa: E402


def timed(base: str, url: str, n: int, keep_alive: bool) -> dict:
    """n sequential GETs (a new connection each, as nginx → upstream, unless keep_alive); quantiles."""
    import requests

    get = requests.Session().get if keep_alive else requests.get  # requests.get: a new connection each
    statuses, times = set(), []
    for _ in range(10):
        get(base + url, timeout=30)
    for _ in range(n):
        started = time.perf_counter()
        response = get(base + url, timeout=30)
        times.append(time.perf_counter() - started)
        statuses.add(response.status_code)
    times.sort()
    return {"status": sorted(statuses), "p50_ms": round(1000 * common.quantile(times, 0.5), 1),
            "p95_ms": round(1000 * common.quantile(times, 0.95), 1),
            "p99_ms": round(1000 * common.quantile(times, 0.99), 1), "bytes": len(response.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", default="1000,100000")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--keep-alive", action="store_true", help="one HTTP/1.1 connection for all requests")
    parser.add_argument("--database-url")
    parser.add_argument("--json")
    args = parser.parse_args()

    common.raise_nofile()
    server_cpu, client_cpu = common.cores()
    if client_cpu:
        os.sched_setaffinity(0, {int(client_cpu)})
    server = common.Server(args.database_url)
    report: dict = {"benchmark": "live history", "requests_per_url": args.requests, "engine": server.engine,
                    "keep_alive": args.keep_alive,
                    "pinning": {"server_cpu": server_cpu, "client_cpu": client_cpu},
                    "machine_before": common.machine(), "instance": server.instance}
    try:
        data = server.task("setup", "--commenters", "50", "--history", args.comments)
        report["inserted"] = data["history"]
        server.start(server_cpu)
        timings: dict = {}
        for size, info in data["history"].items():
            timings[size] = {name: timed(server.url, url, args.requests, args.keep_alive)
                             for name, url in urls(info["episode_id"], int(size)).items()}
        report["http"] = timings
    finally:
        server.stop()
    ids = ",".join(str(info["episode_id"]) for info in data["history"].values())
    report["queries"] = server.task("queries", "--episodes", ids)
    report["machine_after"] = common.machine()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    counts = [{name: row["queries"] for name, row in rows.items()} for rows in report["queries"].values()]
    sys.exit(0 if all(c == counts[0] for c in counts) else 1)


if __name__ == "__main__":
    main()
