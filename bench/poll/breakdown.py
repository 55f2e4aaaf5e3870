"""Where a vote request spends its time: SQL statements, commits and a CPU profile, in-process.

    .venv/bin/python bench/poll/breakdown.py                 # SQLite (a fresh file)
    DATABASE_URL=postgresql://… .venv/bin/python bench/poll/breakdown.py

It builds the same poll as bench/poll/run.py (5 topics, 3 votes per person) with N users and API
tokens, then sends each user's five votes (three accepted, a repeat, one over the limit) through
Flask's test client: the whole WSGI stack of a real request (token lookup, limiter, schemas,
service, envelope) without the HTTP server, so the counts are exact and repeatable. Prints the
statements and commits per request by kind of answer, then the top of a cProfile by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "poll"))
os.environ.setdefault("ZHIBO_INSTANCE_DIR", tempfile.mkdtemp(prefix="zhibo-profile-"))
os.environ.setdefault("ZHIBO_ASYNC", "threading")
os.environ.setdefault("SCHEDULER_MODE", "external")
# as in bench/poll/run.py: every simulated user sends from one address
os.environ.setdefault("POLL_VOTE_RATE_IP", "1000000/minute")
os.environ.setdefault("POLL_VOTE_RATE_USER", "1000/minute")


def main() -> None:
    """Set up, send the votes, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--dump", help="write the raw profile here (pstats format)")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile; 0: no profiler (CPU time only)")
    args = parser.parse_args()

    from sqlalchemy import event

    from run import setup  # bench/poll/run.py: the same poll, users and tokens

    from app import create_app
    from app.extensions import db

    data = setup(args.users)
    app = create_app()
    app.config["RATELIMIT_ENABLED"] = True
    counts: Counter = Counter()
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(*_a) -> None:
        counts["statements"] += 1

    @event.listens_for(engine, "commit")
    def _commit(*_a) -> None:
        counts["commits"] += 1

    client = app.test_client()
    per_answer: dict[int, Counter] = {}
    profiler = cProfile.Profile() if args.top else None
    started, cpu_started = time.perf_counter(), time.process_time()
    requests = 0
    for token in data["tokens"]:
        headers = {"Authorization": f"Bearer {token}"}
        topics = data["topics"]
        for topic in (topics[0], topics[1], topics[2], topics[0], topics[3]):
            before = counts.copy()
            if profiler:
                profiler.enable()
            response = client.post(f"/api/v1/polls/{data['poll_id']}/votes", json={"topic_id": topic},
                                   headers=headers)
            if profiler:
                profiler.disable()
            requests += 1
            seen = per_answer.setdefault(response.status_code, Counter())
            seen["requests"] += 1
            for key in ("statements", "commits"):
                seen[key] += counts[key] - before[key]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    print(f"{requests} vote requests in {elapsed:.2f} s: {cpu / requests * 1000:.2f} ms of CPU each "
          f"(one thread, profiler {'on' if profiler else 'off'}; CPU time, so other processes barely move it)")
    for status, seen in sorted(per_answer.items()):
        n = seen["requests"]
        print(f"  {status}: {n} requests, {seen['statements'] / n:.1f} statements and "
              f"{seen['commits'] / n:.1f} commits per request")
    if profiler and args.dump:
        profiler.dump_stats(args.dump)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
