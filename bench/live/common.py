"""Shared by the live-room benchmarks: the real server process, CPU pinning, /proc sampling, logins.

The server is `python wsgi.py` (gevent, exactly what `make run` serves) with its own instance
dir and SQLite database (or --database-url), pinned with `taskset` to the first CPU of this
process's affinity; load generators are pinned to the second. Both get the hard open-file limit.
"""
from __future__ import annotations

import json
import math
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
PASSWORD = "bench-password-1"


def raise_nofile() -> int:
    """Raise this process's open-file soft limit to the hard limit (`ulimit -n`); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def cores() -> tuple[str | None, str | None]:
    """(server cpu, client cpu) for taskset, or Nones when taskset or a second CPU is missing."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return None, None
    return str(cpus[0]), str(cpus[1])


def pinned(cpu: str | None, argv: list[str]) -> list[str]:
    """argv prefixed with `taskset -c cpu` (taskset execs: the pid stays the program's)."""
    return ["taskset", "-c", cpu, *argv] if cpu else argv


def signal_all(pids: list[int], signum: int) -> None:
    """Send a signal to every server process."""
    for pid in pids:
        os.kill(pid, signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    """Facts worth recording next to a result."""
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "load_avg": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0], "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}


@dataclass
class ProcSample:
    """CPU seconds and resident memory of a process at one instant."""

    at: float
    cpu_s: float
    rss_mb: float
    #: Seconds the process was runnable but waiting for a CPU (/proc/<pid>/schedstat): on a
    #: shared machine, time other processes took from the server.
    wait_s: float = 0.0


def sample(pid: int) -> ProcSample:
    """Read /proc/<pid>/stat (utime+stime) and /proc/<pid>/status (VmRSS)."""
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    cpu = (int(parts[11]) + int(parts[12])) / CLK_TCK
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    wait = 0.0
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            wait = int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        pass
    return ProcSample(time.monotonic(), cpu, rss, wait)


def sample_all(pids: list[int]) -> ProcSample:
    """One sample summed over several server processes (CPU seconds, RSS, run-queue wait)."""
    parts = [sample(pid) for pid in pids]
    return ProcSample(time.monotonic(), sum(p.cpu_s for p in parts), sum(p.rss_mb for p in parts),
                      sum(p.wait_s for p in parts))


def wait_percent(a: ProcSample, b: ProcSample) -> float:
    """Time runnable but not running between two samples, in % of wall time (CPU stolen by others)."""
    return round(100 * (b.wait_s - a.wait_s) / max(b.at - a.at, 1e-9), 1)


def cpu_percent(a: ProcSample, b: ProcSample) -> float:
    """CPU use between two samples, in % of one core."""
    return round(100 * (b.cpu_s - a.cpu_s) / max(b.at - a.at, 1e-9), 1)


@dataclass
class Server:
    """One `python wsgi.py` with its own instance dir (and database unless --database-url)."""

    database_url: str | None = None
    redis_url: str | None = None
    message_queue: str | None = None
    extra_env: dict = field(default_factory=dict)
    instance: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="zhibo-bench-live-"))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def engine(self) -> str:
        return "postgresql" if (self.database_url or "").startswith("postgres") else "sqlite"

    def env(self, async_mode: str = "gevent") -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "SOCKETIO_MESSAGE_QUEUE")}
        # The production configuration, as deployed (no debug middleware, compact JSON), except
        # that cookies travel over plain HTTP on loopback.
        env.update({"ZHIBO_ENV": "production", "SESSION_COOKIE_SECURE": "false", "ZHIBO_ASYNC": async_mode, "ZHIBO_INSTANCE_DIR": self.instance,
                    "SECRET_KEY": "bench-secret-" + Path(self.instance).name, "HOST": "127.0.0.1",
                    "PORT": str(self.port), "FLASK_APP": "wsgi:app", "PYTHONUNBUFFERED": "1",
                    "SCHEDULER_MODE": "off",
                    # The bench drives 100 comments/s from a handful of accounts on one address.
                    "COMMENT_RATE_USER": "100000/minute", "COMMENT_RATE_IP": "1000000/minute",
                    **self.extra_env})
        for key, value in (("DATABASE_URL", self.database_url), ("REDIS_URL", self.redis_url),
                           ("SOCKETIO_MESSAGE_QUEUE", self.message_queue)):
            if value:
                env[key] = value
        return env

    def task(self, *args: str) -> dict:
        """Run bench/live/dbtasks.py in the server's environment (threading); its JSON answer."""
        done = subprocess.run([PYTHON, str(HERE / "dbtasks.py"), *args], env=self.env("threading"), cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"dbtasks {args[0]} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, cpu: str | None) -> None:
        """Start the server pinned to cpu and wait for /healthz."""
        log = open(Path(self.instance) / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(pinned(cpu, [PYTHON, "wsgi.py"]), cwd=ROOT, env=self.env(),
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        preexec_fn=raise_nofile)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: see {self.instance}/server-{self.port}.log")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not become healthy")

    def limit_cpu(self, cores: float) -> None:
        """Cap the running server at `cores` of CPU time (cgroup v1 CFS quota): an emulated core.

        The machine has 2 cores for the servers, the load generator, PostgreSQL and Redis; a
        quota gives each server process the same fixed budget, so one process and two processes
        can be compared per budget while the rest of the machine carries the client.
        """
        group = Path(f"/sys/fs/cgroup/cpu/zhibo-bench-{self.port}")
        group.mkdir(exist_ok=True)
        (group / "cpu.cfs_period_us").write_text("100000")
        (group / "cpu.cfs_quota_us").write_text(str(int(cores * 100000)))
        (group / "cgroup.procs").write_text(str(self.process.pid))
        self.cgroup = group

    def stop(self) -> None:
        group = getattr(self, "cgroup", None)
        if group is not None:
            try:  # back to the root group, so that the cap cannot slow the shutdown
                Path("/sys/fs/cgroup/cpu/cgroup.procs").write_text(str(self.process.pid))
            except OSError:
                pass
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)
        if group is not None:
            try:
                group.rmdir()
            except OSError:
                pass

    def log_tail(self, n: int = 3000) -> str:
        try:
            return (Path(self.instance) / f"server-{self.port}.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""


def login(base: str, username: str, password: str = PASSWORD) -> str:
    """Log in through the login form; returns the Cookie header value of the session."""
    import requests

    s = requests.Session()
    page = s.get(f"{base}/account/login", timeout=30)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError(f"no CSRF token on /login ({page.status_code}): {page.text[:500]}")
    r = s.post(f"{base}/account/login", data={"csrf_token": token.group(1), "username": username, "password": password},
               allow_redirects=False, timeout=30)
    if r.status_code != 302:
        raise RuntimeError(f"login of {username} answered {r.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def quantile(sorted_values: list[float], q: float) -> float | None:
    """The q-quantile (0–1) of an already sorted list (nearest rank)."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def spawn_swarm(cpu: str | None, config: dict) -> subprocess.Popen:
    """Start one load-generator process (bench/live/swarm.py) reading its config from stdin."""
    proc = subprocess.Popen(pinned(cpu, [PYTHON, str(HERE / "swarm.py")]), cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, preexec_fn=raise_nofile)
    proc.stdin.write(json.dumps(config) + "\n")
    proc.stdin.flush()
    return proc


def expect_line(proc: subprocess.Popen, prefix: str, timeout: float = 900) -> str:
    """Read the swarm's stdout until a line starting with prefix (its progress lines are echoed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"swarm exited ({proc.poll()}) before {prefix}")
        if line.startswith(prefix):
            return line[len(prefix):].strip()
        sys.stderr.write("  swarm: " + line)
    raise RuntimeError(f"timeout waiting for {prefix}")


def py_spy(pid: int, path: str, seconds: float) -> subprocess.Popen:
    """Sample the server's stacks for `seconds` with py-spy (collapsed stacks, for flame graphs)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "250",
                             "-f", "raw", "-o", path, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
