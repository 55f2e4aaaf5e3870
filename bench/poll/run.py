"""Benchmark: 1,000 simulated users vote at once against a real server process.

    .venv/bin/python bench/poll/run.py                       # SQLite, fresh instance dir
    createdb -h 127.0.0.1 -p 55432 -U postgres zhibo_bench_poll
    DATABASE_URL=postgresql://postgres@127.0.0.1:55432/zhibo_bench_poll .venv/bin/python bench/poll/run.py

It migrates a fresh database, creates an open poll (5 topics, 3 votes per person) and N users
with personal API tokens directly in the database, starts `python wsgi.py` (gevent, exactly what
`make run` serves) on a free port, then N threads released together each send their votes over
HTTP: three distinct topics, the first one again (must be refused: already voted) and a fourth
(must be refused: limit). A 429 or 503 answer is retried after its Retry-After (with jitter,
at most RETRIES times), as a client should; every answer is counted. With --inflight N at most N requests are in flight at once (as nginx's
upstream connection limit would); latency is then measured from the moment a request is sent.
It reports votes/s and latency, then compares the votes the server
acknowledged (201) with the rows stored: 0 lost, 0 doubled, nobody above the limit.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TOPICS, LIMIT = 5, 3
#: A 429 or 503 is retried after its Retry-After (with jitter), as a well-behaved client does.
RETRIES = 10


def setup(n_users: int) -> dict:
    """(In the server's environment) migrate, create the poll, users and tokens; return what clients need."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.accounts.models import User
    from app.accounts.services import issue_token
    from app.agencies.models import Domain
    from app.core import clock
    from app.extensions import db
    from app.polls.models import Poll, Topic

    app = create_app()
    with app.app_context():
        upgrade()
        now = clock.now()
        domain = Domain(code="bench", name_zh="压测", name_en="Bench")
        poll = Poll(title="bench", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
                    votes_per_person=LIMIT, state="open", opened_at=now)
        db.session.add_all([domain, poll])
        db.session.flush()
        topics = [Topic(poll_id=poll.id, title=f"T{i}", domain_id=domain.id, state="approved") for i in range(TOPICS)]
        db.session.add_all(topics)
        password = generate_password_hash("bench-password-1", method="pbkdf2:sha256:1000")
        users = [User(username=f"bench{i}", display_name=f"B{i}", password_hash=password, role="public")
                 for i in range(n_users)]
        db.session.add_all(users)
        db.session.flush()
        secrets = [issue_token(u, "bench", now=now)[1] for u in users]
        db.session.commit()
        return {"poll_id": poll.id, "topics": [t.id for t in topics], "tokens": secrets}


def verify() -> dict:
    """(In the server's environment) what the database holds."""
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.polls.models import Vote

    app = create_app()
    with app.app_context():
        stored = db.session.scalar(select(func.count(Vote.id)))
        pairs = db.session.scalar(select(func.count()).select_from(
            select(Vote.user_id, Vote.topic_id).distinct().subquery()))
        over = db.session.scalar(select(func.count()).select_from(
            select(Vote.user_id).group_by(Vote.user_id).having(func.count(Vote.id) > LIMIT).subquery()))
        return {"stored": stored, "distinct_user_topic": pairs, "users_over_limit": over}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _helper(mode: str, env: dict, *args: str) -> dict:
    out = subprocess.run([PYTHON, __file__, mode, *args], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def run(n_users: int, inflight: int = 0) -> dict:
    """The whole benchmark; returns the report."""
    import requests

    instance = tempfile.mkdtemp(prefix="zhibo-bench-poll-")
    port = _free_port()
    env = {**os.environ, "ZHIBO_INSTANCE_DIR": instance, "ZHIBO_ASYNC": "gevent", "PORT": str(port),
           "SCHEDULER_MODE": "external", "POLL_VOTE_RATE_IP": "1000000/minute",
           "POLL_VOTE_RATE_USER": "1000/minute", "PYTHONUNBUFFERED": "1",
           # the production configuration, as deployed (cookies over loopback HTTP)
           "ZHIBO_ENV": "production", "SESSION_COOKIE_SECURE": "false", "SECRET_KEY": "bench-poll"}
    engine = "postgresql" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    data = _helper("setup", {**env, "ZHIBO_ASYNC": "threading"}, str(n_users))
    log = open(Path(instance) / "server.log", "w")  # noqa: SIM115
    # The server on the first CPU, the 1,000 client threads on the second (when there are two).
    cpus = sorted(os.sched_getaffinity(0))
    pin = ["taskset", "-c", str(cpus[0])] if len(cpus) > 1 and shutil.which("taskset") else []
    server = subprocess.Popen([*pin, PYTHON, "wsgi.py"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if pin:
        os.sched_setaffinity(0, set(cpus[1:]))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/healthz")
        poll, topics = data["poll_id"], data["topics"]
        barrier = threading.Barrier(n_users)
        lock = threading.Lock()
        statuses: Counter = Counter()
        latencies: list[float] = []
        gate = threading.BoundedSemaphore(inflight) if inflight else None

        def user(i: int, token: str) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            picks = [topics[(i + k) % TOPICS] for k in range(LIMIT)]
            plan = picks + [picks[0], topics[(i + LIMIT) % TOPICS]]  # + a repeat and one above the limit
            barrier.wait()
            for topic in plan:
                for _attempt in range(RETRIES + 1):
                    if gate:
                        gate.acquire()
                    started = time.perf_counter()
                    retry_after = None
                    try:
                        r = session.post(f"{base}/api/v1/polls/{poll}/votes", json={"topic_id": topic}, timeout=120)
                        key = r.status_code if r.status_code != 409 else r.json()["error"]["code"]
                        if r.status_code in (429, 503):  # retryable: do as a client should
                            retry_after = float(r.headers.get("Retry-After", "1"))
                    except requests.RequestException as error:
                        key = type(error).__name__
                    finally:
                        if gate:
                            gate.release()
                    with lock:
                        statuses[key] += 1
                        latencies.append(time.perf_counter() - started)
                    if retry_after is None:
                        break
                    time.sleep(random.uniform(0.5, 1.0) * min(retry_after, 5.0))  # jitter: no herd

        threads = [threading.Thread(target=user, args=(i, t)) for i, t in enumerate(data["tokens"])]
        for t in threads:
            t.start()
        started, server_cpu = time.perf_counter(), _cpu_seconds(server.pid)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server_cpu = _cpu_seconds(server.pid) - server_cpu
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    stored = _helper("verify", {**env, "ZHIBO_ASYNC": "threading"})
    acked = statuses.get(201, 0)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"engine": engine, "users": n_users, "inflight": inflight or "unlimited", "requests": sum(statuses.values()), "seconds": round(elapsed, 2),
            "requests_per_s": round(sum(statuses.values()) / elapsed, 1), "votes_per_s": round(acked / elapsed, 1),
            # of one core; under 100 means the server waited (for clients, the database or the gate)
            "server_cpu_percent": round(server_cpu / elapsed * 100),
            "server_cpu_ms_per_request": round(server_cpu * 1000 / sum(statuses.values()), 2),
            "p50_ms": round(q[49] * 1000), "p95_ms": round(q[94] * 1000), "p99_ms": round(q[98] * 1000),
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)}, "acknowledged": acked,
            "server_errors": sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500 and k != 503),
            **stored, "lost": acked - stored["stored"], "doubled": stored["stored"] - stored["distinct_user_topic"],
            "instance": instance}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("setup", "verify"):
        sys.path.insert(0, str(ROOT))
        result = setup(int(sys.argv[2])) if sys.argv[1] == "setup" else verify()
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--inflight", type=int, default=0,
                        help="at most this many requests in flight at once (as a proxy would); 0: no cap")
    args = parser.parse_args()
    report = run(args.users, args.inflight)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = report["lost"] == 0 and report["doubled"] == 0 and report["users_over_limit"] == 0 \
        and report["acknowledged"] == report["users"] * LIMIT
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
