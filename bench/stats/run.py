"""Benchmark: the statistics page and an agency page with 1,000 episodes and 100,000 findings.

    .venv/bin/python bench/stats/run.py                       # SQLite, fresh instance dir
    createdb -h 127.0.0.1 -p 55432 -U postgres zhibo_bench_stats
    DATABASE_URL=postgresql://postgres@127.0.0.1:55432/zhibo_bench_stats .venv/bin/python bench/stats/run.py

It migrates a fresh database, inserts 10 domains, 20 agencies, 1,000 held episodes (one or two
agencies each) and 100,000 findings in every state (bulk inserts, no services), starts the real
server (`python wsgi.py`, gevent, as `make run` serves it) on a free port, requests each page once
to warm the cache (the first request computes the snapshot: reported separately), then requests
/statistics and /agencies/<slug> --requests times each, one at a time, and reports p50/p95/p99.
The cache's 60 s lifetime means a long run also pays a recomputation now and then: it is in p99.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def setup(n_episodes: int, n_findings: int) -> dict:
    """Migrate and fill the database (run in a helper process with the bench's environment)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app import create_app
    from app.agencies.models import Agency, Domain, agency_domains
    from app.episodes.models import Episode, EpisodeAgency
    from app.extensions import db
    from app.findings.models import Finding

    app = create_app()
    rng = random.Random(7)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with app.app_context():
        upgrade()
        db.session.execute(insert(Domain), [{"id": i, "code": f"d{i}", "name_zh": f"领域{i}", "name_en": f"Domain {i}"}
                                            for i in range(1, 11)])
        db.session.execute(insert(Agency), [{"id": i, "slug": f"agency{i}", "name_zh": f"执法单位{i}",
                                             "name_en": f"Agency {i}", "short_name": f"单位{i}", "created_at": now}
                                            for i in range(1, 21)])
        db.session.execute(insert(agency_domains), [{"agency_id": i, "domain_id": (i - 1) % 10 + 1}
                                                    for i in range(1, 21)])
        episodes, parts = [], []
        for n in range(1, n_episodes + 1):
            start = now - timedelta(days=3 * (n_episodes - n) + 5)
            episodes.append({"id": n, "number": n, "title": f"第{n}期", "domain_id": (n - 1) % 10 + 1,
                             "scheduled_start": start, "state": rng.choice(("ended", "follow_up", "closed")),
                             "live_at": start, "ended_at": start + timedelta(hours=2), "created_at": start,
                             "view_count": rng.randint(10_000, 2_000_000), "peak_viewers": rng.randint(100, 50_000)})
            lead = (n - 1) % 20 + 1
            parts.append({"episode_id": n, "agency_id": lead, "role": "lead"})
            if n % 3 == 0:
                parts.append({"episode_id": n, "agency_id": lead % 20 + 1, "role": "support"})
        db.session.execute(insert(Episode), episodes)
        db.session.execute(insert(EpisodeAgency), parts)
        rows = []
        for i in range(1, n_findings + 1):
            episode = episodes[rng.randrange(n_episodes)]
            found = episode["ended_at"]
            due = found + timedelta(days=rng.randint(7, 60))
            state = rng.choice(("open", "partly_rectified", "rectified", "rectified", "closed", "reopened"))
            done = state in ("rectified", "closed")
            rectified = found + timedelta(days=rng.randint(1, 70)) if done else None
            rows.append({"id": i, "episode_id": episode["id"], "party_name": f"对象{i}", "description": "问题",
                         "domain_id": episode["domain_id"], "agency_id": (episode["id"] - 1) % 20 + 1,
                         "rectify_by": due, "state": state, "rectified_at": rectified, "severity": "moderate",
                         "closed_at": rectified if state == "closed" else None, "created_at": found})
            if len(rows) == 5000:
                db.session.execute(insert(Finding), rows)
                rows = []
        if rows:
            db.session.execute(insert(Finding), rows)
        db.session.commit()
    return {"episodes": n_episodes, "findings": n_findings}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url}")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(n_episodes: int, n_findings: int, n_requests: int) -> dict:
    """The whole benchmark; returns the report."""
    import requests

    instance = tempfile.mkdtemp(prefix="zhibo-bench-stats-")
    port = _free_port()
    env = {**os.environ, "ZHIBO_INSTANCE_DIR": instance, "ZHIBO_ASYNC": "gevent", "PORT": str(port),
           "SCHEDULER_MODE": "external", "PYTHONUNBUFFERED": "1"}
    engine = "postgresql" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    t0 = time.monotonic()
    subprocess.run([PYTHON, __file__, "setup", str(n_episodes), str(n_findings)], check=True, cwd=ROOT,
                   env={**env, "ZHIBO_ASYNC": "threading"}, capture_output=True)
    fill_seconds = time.monotonic() - t0
    log = open(Path(instance) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen([PYTHON, "wsgi.py"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    report: dict = {"engine": engine, "episodes": n_episodes, "findings": n_findings, "requests": n_requests,
                    "fill_seconds": round(fill_seconds, 1)}
    try:
        _wait(base + "/healthz")
        session = requests.Session()
        for name, path in (("statistics", "/statistics"), ("agency", "/agencies/agency3")):
            t = time.monotonic()
            first = session.get(base + path)
            assert first.status_code == 200, (path, first.status_code)
            report[f"{name}_first_ms"] = round((time.monotonic() - t) * 1000, 1)
            times = []
            for _ in range(n_requests):
                t = time.perf_counter()
                response = session.get(base + path)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            report[name] = {f"p{p}": round(_percentile(times, p), 1) for p in (50, 95, 99)}
    finally:
        server.terminate()
        server.wait(10)
    return report


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(setup(int(sys.argv[2]), int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    report = run(args.episodes, args.findings, args.requests)
    print(json.dumps(report, indent=2))
    ok = report["statistics"]["p95"] < 100 and report["agency"]["p95"] < 100
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
