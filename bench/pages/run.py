"""Benchmark: the public pages a surge hits, at increasing concurrency, on one server process.

    .venv/bin/python bench/pages/run.py                                  # SQLite
    scripts/pg_test_server.sh .venv/bin/python bench/pages/run.py        # PostgreSQL (a throwaway server)

It loads the demo data into a fresh database (its own instance dir), starts the real server
(`python wsgi.py`: one gevent process, the production configuration) pinned to one core, and
drives each page with wrk (C, pinned to the other core, so the load generator's cost is apart)
at each concurrency for --seconds: the home page, the open poll, an episode, the follow-up
board and a finding. wrk sends no cookies, so every request is a first-time visitor, as in a
surge. Each page is measured with the page cache on (PAGE_CACHE_SECONDS=5, as deployed) and
off (0: every request renders), side by side in one run. Prints a Markdown table and the JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "live"))
from common import cores, free_port, pinned, raise_nofile  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
LUA = Path(__file__).with_name("report.lua")


def _env(instance: str, port: int, cache_seconds: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SOCKETIO_MESSAGE_QUEUE")}
    env.update({"ZHIBO_ENV": "production", "SESSION_COOKIE_SECURE": "false", "ZHIBO_INSTANCE_DIR": instance,
                "SECRET_KEY": "bench-pages", "HOST": "127.0.0.1", "PORT": str(port), "FLASK_APP": "wsgi:app",
                "SCHEDULER_MODE": "off", "PYTHONUNBUFFERED": "1", "PAGE_CACHE_SECONDS": cache_seconds})
    return env


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not answer")


def pages(base: str) -> dict[str, str]:
    """The pages of the surge, found through the API."""
    polls = _get_json(f"{base}/api/v1/polls?state=open")["data"] or _get_json(f"{base}/api/v1/polls")["data"]
    episodes = _get_json(f"{base}/api/v1/episodes?per_page=100")["data"]
    episode = next((e for e in episodes if e["state"] in ("live", "ended", "follow_up")), episodes[0])
    findings = _get_json(f"{base}/api/v1/findings")["data"]
    return {"home": "/", "poll": f"/polls/{polls[0]['id']}", "episode": f"/episodes/{episode['id']}",
            "follow-up board": "/follow-up", "finding": f"/findings/{findings[0]['id']}"}


def wrk(url: str, connections: int, seconds: int, cpu: str | None) -> dict:
    """One wrk run; its JSON line from report.lua."""
    threads = max(1, min(2, connections))
    out = subprocess.run(pinned(cpu, ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                                      "-s", str(LUA), url]), capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(concurrency: list[int], seconds: int) -> list[dict]:
    """Every page × cache on/off × concurrency."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    server_cpu, client_cpu = cores()
    instance = tempfile.mkdtemp(prefix="zhibo-bench-pages-")
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    setup_env = {**_env(instance, 0, "0"), "ZHIBO_ASYNC": "threading"}
    subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], env=setup_env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([PYTHON, "-m", "flask", "demo", "load"], env=setup_env, cwd=ROOT, check=True, capture_output=True)
    rows = []
    for cache in ("5", "0"):
        port = free_port()
        log = open(Path(instance) / f"server-{cache}.log", "ab")  # noqa: SIM115
        server = subprocess.Popen(pinned(server_cpu, [PYTHON, "wsgi.py"]), cwd=ROOT, env=_env(instance, port, cache),
                                  stdout=log, stderr=subprocess.STDOUT, preexec_fn=raise_nofile)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base + "/healthz", server)
            for name, path in pages(base).items():
                wrk(base + path, 10, 2, client_cpu)  # warm up
                for c in concurrency:
                    result = wrk(base + path, c, seconds, client_cpu)
                    rows.append({"engine": engine, "page": name, "path": path, "cache": cache != "0",
                                 "in_flight": c, **result})
                    print(json.dumps(rows[-1]), file=sys.stderr)
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    return rows


def table(rows: list[dict]) -> str:
    """The Markdown table of docs/performance.md."""
    lines = ["| engine | page | page cache | in flight | requests/s | p50 | p95 | p99 | non-2xx | errors |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['page']} | {'on' if r['cache'] else 'off'} | {r['in_flight']} | "
                     f"{r['rps']:,.0f} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms | "
                     f"{r['non2xx']} | {r['errors']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,10,50,100", help="requests in flight, comma-separated")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows = run([int(c) for c in args.concurrency.split(",")], args.seconds)
    print(table(rows))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
