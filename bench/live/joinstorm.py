"""Benchmark: a join storm on one process, then (with --restart) the process killed and taken back.

    ulimit -n 20000
    .venv/bin/python bench/live/joinstorm.py --viewers 5000 --seconds 10
    .venv/bin/python bench/live/joinstorm.py --viewers 5000 --seconds 10 --restart \\
        --database-url postgresql://… --redis-url redis://127.0.0.1:P/1 --message-queue redis://127.0.0.1:P/0

Starts the real server (`python wsgi.py`, gevent) on a fresh database whose live episode already
holds --history comments, pinned to the first CPU; a load generator (this file with --client, the
raw-protocol client of sioclient.py) pinned to the second connects --viewers viewers evenly spread
over --seconds, each joining with its own browser key. Reports join-ack latency (join emitted →
ack; and connect + join) p50/p95/p99, failures, and whether every ack carried the room's recent
history. Then view_count after the flush must equal the viewers.

With --restart: comments are posted, the server is SIGKILLed and started again on the same port,
and every viewer reconnects with socket.io-client's backoff and jitter (as static/js/live_room.js
does: 1 s × 2^attempt, at most 5 s, ±50%) and joins again with the last seq it saw, while more
comments are posted. Reports how long the new process took to take back every viewer, and whether
every viewer ended with every published comment from its first history on, none missed.
Exit status 1 when a viewer failed to join, missed history or a comment, or view_count is off.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BATCH = b'42/live,["batch",'
#: socket.io-client's reconnection defaults, as the live room uses them (static/js/live_room.js).
RECONNECT_DELAY, RECONNECT_DELAY_MAX, RANDOMIZATION = 1.0, 5.0, 0.5


# --- the load generator (runs pinned to the client CPU) --------------------------------------

class Viewer:
    """One viewer: the seqs it holds (from acks and batches), its join and rejoin times."""

    __slots__ = ("i", "conn", "seqs", "batch_dupes", "join_s", "total_s", "history", "error",
                 "rejoined_at", "rejoin_s", "attempts", "first_seq")

    def __init__(self, i: int) -> None:
        self.i = i
        self.conn = None
        self.seqs: set[int] = set()
        self.batch_dupes = 0
        self.join_s = self.total_s = self.rejoin_s = self.rejoined_at = None
        self.history = 0
        self.error = None
        self.attempts = 0
        self.first_seq = None

    def last_seq(self) -> int:
        return max(self.seqs) if self.seqs else 0


class Storm:
    """Every viewer of the run and the distinct batches they were sent (each parsed once)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.viewers = [Viewer(i) for i in range(cfg["viewers"])]
        self.parsed: dict[bytes, list[int]] = {}
        self.restarting = False

    def on_event(self, conn, payload: bytes, _now: float) -> None:
        if not payload.startswith(BATCH):
            return
        seqs = self.parsed.get(payload)
        if seqs is None:
            data = json.loads(payload[8:])[1]
            seqs = self.parsed[payload] = [item["seq"] for item in data.get("items", ())
                                           if item.get("type") == "comment"]
        viewer = self.viewers[conn.tag]
        for seq in seqs:
            if seq in viewer.seqs:
                viewer.batch_dupes += 1
            viewer.seqs.add(seq)

    async def join(self, viewer: Viewer, last_seq: int | None) -> dict:
        started = time.time()
        conn = await common_connect(self.cfg, self.on_event, viewer.i)
        payload = {"episode_id": self.cfg["episode_id"], "viewer_key": f"bench-browser-{viewer.i:06d}"}
        if last_seq is not None:
            payload["last_seq"] = last_seq
        emitted = time.time()
        ack = await asyncio.wait_for(conn.emit("join", payload), 120)
        done = time.time()
        if not ack.get("ok"):
            conn.close()
            raise RuntimeError("join:" + ack["error"]["code"])
        viewer.conn = conn
        seqs = [c["seq"] for c in ack.get("comments", ())]
        viewer.seqs.update(seqs)
        return {"ack": ack, "join_s": done - emitted, "total_s": done - started, "seqs": seqs, "at": done}

    async def first_join(self, viewer: Viewer, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.time()))
        for attempt in range(3):
            try:
                got = await self.join(viewer, None)
                viewer.join_s, viewer.total_s, viewer.history = got["join_s"], got["total_s"], len(got["seqs"])
                viewer.first_seq = min(got["seqs"]) if got["seqs"] else None
                viewer.error = None
                return
            except (OSError, asyncio.TimeoutError, ConnectionError, RuntimeError) as error:
                viewer.error = f"{type(error).__name__}: {error}"[:80]
                await asyncio.sleep(0.5 * (attempt + 1))

    async def come_back(self, viewer: Viewer) -> None:
        """After the connection is lost: reconnect with backoff and jitter, resume from the last seq."""
        await viewer.conn.lost
        attempt = 0
        while True:
            delay = min(RECONNECT_DELAY * 2 ** attempt, RECONNECT_DELAY_MAX)
            await asyncio.sleep(delay * (1 + RANDOMIZATION * (2 * random.random() - 1)))
            viewer.attempts += 1
            try:
                emitted = time.time()
                got = await self.join(viewer, viewer.last_seq())
                viewer.rejoined_at, viewer.rejoin_s = got["at"], got["at"] - emitted
                return
            except (OSError, asyncio.TimeoutError, ConnectionError, RuntimeError):
                attempt += 1


async def common_connect(cfg: dict, on_event, tag: int):
    from sioclient import connect

    return await connect("127.0.0.1", cfg["port"], None, on_event, tag=tag, timeout=60)


async def client_main() -> None:
    cfg = json.loads(sys.stdin.readline())
    loop = asyncio.get_running_loop()
    storm = Storm(cfg)
    t0 = time.time() + 0.5
    step = cfg["seconds"] / max(1, cfg["viewers"])
    await asyncio.gather(*(storm.first_join(v, t0 + v.i * step) for v in storm.viewers))
    joined = [v for v in storm.viewers if v.join_s is not None]
    print("JOINED " + json.dumps({
        "window_s": round(time.time() - t0, 2), "joined": len(joined),
        "join_s": sorted(v.join_s for v in joined), "total_s": sorted(v.total_s for v in joined),
        "history": sorted({v.history for v in joined}),
        "errors": sorted({v.error for v in storm.viewers if v.join_s is None})}), flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    if line.startswith("RESTART"):
        backs = [asyncio.ensure_future(storm.come_back(v)) for v in joined]
        print("ARMED", flush=True)
        await asyncio.wait(backs, timeout=cfg.get("rejoin_timeout", 180))
        back = [v for v in joined if v.rejoined_at is not None]
        print("BACK " + json.dumps({"back": len(back), "rejoined_at": sorted(v.rejoined_at for v in back),
                                    "rejoin_s": sorted(v.rejoin_s for v in back),
                                    "attempts": sorted(v.attempts for v in joined)}), flush=True)
        line = await loop.run_in_executor(None, sys.stdin.readline)  # END, once the last comments are out
    await asyncio.sleep(cfg.get("drain", 3.0))
    expected = set(cfg.get("expect_seqs") or [])
    line_seqs = json.loads(line.split(" ", 1)[1]) if line.startswith("END ") else []
    expected |= set(line_seqs)
    missing = [v.i for v in joined if v.first_seq is not None
               and not {s for s in expected if s >= v.first_seq} <= v.seqs]
    print("DONE " + json.dumps({"viewers_missing_a_comment": len(missing), "missing_examples": missing[:10],
                                "batch_duplicates": sum(v.batch_dupes for v in joined),
                                "still_connected": sum(1 for v in joined if v.conn and not v.conn.closed)}),
          flush=True)
    for v in storm.viewers:
        if v.conn is not None:
            v.conn.close()


# --- the orchestrator ------------------------------------------------------------------------

def _ms(values: list[float], q: float) -> float | None:
    value = common.quantile(values, q)
    return None if value is None else round(value * 1000, 1)


def _post_comments(base: str, episode_id: int, token: str, n: int, label: str, per_second: float = 10) -> list[int]:
    """Post n comments through the API (Bearer token); returns their seqs."""
    import requests

    seqs = []
    for k in range(n):
        try:
            answer = requests.post(f"{base}/api/v1/episodes/{episode_id}/comments", json={"body": f"{label} {k}"},
                                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except requests.RequestException:  # an overloaded server: that comment is simply not posted
            continue
        if answer.status_code in (200, 201):
            seqs.append(answer.json()["data"]["seq"])
        time.sleep(1 / per_second)
    return seqs


def _published_seqs(server: common.Server, episode_id: int) -> tuple[list[int], dict]:
    verify = server.task("verify", "--episode", str(episode_id))
    return verify["seqs"], verify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10, help="the join window")
    parser.add_argument("--history", type=int, default=200, help="comments in the episode before the storm")
    parser.add_argument("--restart", action="store_true", help="then SIGKILL the server, restart it, measure take-back")
    parser.add_argument("--comments", type=int, default=20, help="comments posted before the kill and after the restart")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--message-queue")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--py-spy", metavar="PATH", help="profile the server during the storm")
    args = parser.parse_args()
    if args.client:
        asyncio.run(client_main())
        return

    common.raise_nofile()
    server_cpu, client_cpu = common.cores()
    server = common.Server(args.database_url, args.redis_url, args.message_queue,
                           dict(kv.split("=", 1) for kv in args.server_env))
    report: dict = {"benchmark": "live join storm", "viewers": args.viewers, "window_s": args.seconds,
                    "history": args.history, "engine": server.engine, "redis": bool(args.redis_url),
                    "message_queue": bool(args.message_queue), "server_env": args.server_env,
                    "pinning": {"server_cpu": server_cpu, "client_cpu": client_cpu},
                    "machine_before": common.machine()}
    client = None
    ok = True
    try:
        data = server.task("setup", "--commenters", "1", "--live-history", str(args.history))
        episode = data["episode_id"]
        server.start(server_cpu)
        token = subprocess.run([common.PYTHON, "-m", "flask", "users", "token", data["usernames"][0], "--name", "bench"],
                               cwd=common.ROOT, env=server.env("threading"), capture_output=True, text=True,
                               check=True).stdout.strip().splitlines()[-1]
        client = subprocess.Popen(common.pinned(client_cpu, [common.PYTHON, __file__, "--client"]), cwd=common.ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  preexec_fn=common.raise_nofile)
        client.stdin.write(json.dumps({"port": server.port, "episode_id": episode, "viewers": args.viewers,
                                       "seconds": args.seconds}) + "\n")
        client.stdin.flush()
        before = common.sample(server.process.pid)
        spy = common.py_spy(server.process.pid, args.py_spy, args.seconds + 5) if args.py_spy else None
        joined = json.loads(common.expect_line(client, "JOINED "))
        after = common.sample(server.process.pid)
        if spy:
            spy.wait(60)
        expected_history = min(args.history, 50)
        report["storm"] = {
            "joined": joined["joined"], "failed": args.viewers - joined["joined"], "errors": joined["errors"],
            "window_s": joined["window_s"],
            "join_ack_p50_ms": _ms(joined["join_s"], 0.5), "join_ack_p95_ms": _ms(joined["join_s"], 0.95),
            "join_ack_p99_ms": _ms(joined["join_s"], 0.99), "join_ack_max_ms": _ms(joined["join_s"], 1.0),
            "connect_and_join_p99_ms": _ms(joined["total_s"], 0.99),
            "every_ack_had_history": joined["history"] == [expected_history], "history_sizes": joined["history"],
            "server_cpu_pct": common.cpu_percent(before, after), "server_cpu_wait_pct": common.wait_percent(before, after),
            # CPU-independent: what one viewer's connect + join costs the server, whoever else uses the core.
            "server_cpu_ms_per_viewer": round(1000 * (after.cpu_s - before.cpu_s) / max(1, joined["joined"]), 2),
            "server_rss_mb": round(after.rss_mb, 1)}
        ok = joined["joined"] == args.viewers and report["storm"]["every_ack_had_history"]
        time.sleep(3)  # the flush writes the noted viewers
        seqs, verify = _published_seqs(server, episode)
        report["storm"]["view_count"] = verify["view_count"]
        ok = ok and verify["view_count"] == args.viewers
        end_line = "END []"
        if args.restart:
            before_kill = _post_comments(server.url, episode, token, args.comments, "重启前")
            time.sleep(2)
            client.stdin.write("RESTART\n")
            client.stdin.flush()
            common.expect_line(client, "ARMED")
            killed = time.time()
            server.process.kill()
            server.process.wait(10)
            server.start(server_cpu)
            up = time.time()
            restarted = common.sample(server.process.pid)
            after_restart = _post_comments(server.url, episode, token, args.comments, "重启后", per_second=2)
            back = json.loads(common.expect_line(client, "BACK ", timeout=600))
            taken = common.sample(server.process.pid)
            seqs, verify = _published_seqs(server, episode)
            end_line = "END " + json.dumps(seqs)
            times = back["rejoined_at"]
            report["restart"] = {
                "viewers_back": back["back"], "of": joined["joined"],
                "server_down_s": round(up - killed, 2),
                "all_back_after_kill_s": round(times[-1] - killed, 2) if times else None,
                "all_back_after_up_s": round(times[-1] - up, 2) if times else None,
                "p50_back_after_up_s": round(common.quantile(times, 0.5) - up, 2) if times else None,
                "rejoin_ack_p50_ms": _ms(back["rejoin_s"], 0.5), "rejoin_ack_p99_ms": _ms(back["rejoin_s"], 0.99),
                "reconnect_attempts_max": max(back["attempts"]) if back["attempts"] else None,
                "server_cpu_pct": common.cpu_percent(restarted, taken),
                "server_cpu_wait_pct": common.wait_percent(restarted, taken),
                "server_cpu_ms_per_viewer": round(1000 * (taken.cpu_s - restarted.cpu_s) / max(1, back["back"]), 2),
                "comments_before_kill": len(before_kill), "comments_after_restart": len(after_restart)}
            ok = ok and back["back"] == joined["joined"]
        client.stdin.write(end_line + "\n")
        client.stdin.flush()
        done = json.loads(common.expect_line(client, "DONE ", timeout=120))
        report["resume"] = done
        ok = ok and done["viewers_missing_a_comment"] == 0
        time.sleep(2)
        report["view_count_end"] = server.task("verify", "--episode", str(episode))["view_count"]
        ok = ok and report["view_count_end"] == args.viewers
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        server.stop()
    report["ok"] = ok
    report["machine_after"] = common.machine()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
