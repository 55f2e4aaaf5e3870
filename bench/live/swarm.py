"""One load-generator process: viewers (+ commenters) or like tappers, on one asyncio loop.

Started by run.py / likes.py (pinned with taskset to the client CPU). It reads its config as
one JSON line on stdin, connects and joins, prints `READY {…}`, waits for `GO` on stdin,
drives the load for `seconds`, waits `drain` seconds for the last batches, writes its
results to `result_path` and prints `DONE`.

Each distinct `batch` message is parsed once (the server encodes a room's batch once and
sends the same bytes to every viewer), so the client's cost per viewer message is a dict
lookup: one client core keeps up with thousands of viewers.
"""
from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sioclient import connect  # noqa: E402

BATCH = b'42/live,["batch",'
_SENT = re.compile(r"^bench #(\d+) t=([0-9.]+)")


class Record:
    """One distinct batch message and who received it."""

    __slots__ = ("seqs", "sends", "receipts", "viewers", "sampled", "last")

    def __init__(self, payload: bytes) -> None:
        data = json.loads(payload[8:])[1]
        self.seqs: list[int] = []
        self.sends: list[float] = []
        for item in data.get("items", ()):
            if item.get("type") == "comment":
                self.seqs.append(item["seq"])
                m = _SENT.match(item.get("body", ""))
                if m:
                    self.sends.append(float(m.group(2)))
        self.receipts = 0
        self.viewers: set[int] = set()
        self.sampled: list[float] = []
        self.last = 0.0


class Collector:
    """Receives every event of every viewer."""

    def __init__(self, sample_every: int) -> None:
        self.sample_every = max(1, sample_every)
        self.records: dict[bytes, Record] = {}
        self.other = Counter()
        #: Per viewer, the highest comment seq received so far: a batch starting at or below it is out of order.
        self.last_seq: dict[int, int] = {}
        self.out_of_order = 0

    def on_event(self, conn, payload: bytes, now: float) -> None:
        if not payload.startswith(BATCH):
            self.other[payload[8:30].decode(errors="replace")] += 1
            return
        rec = self.records.get(payload)
        if rec is None:
            rec = self.records[payload] = Record(payload)
        if rec.seqs:
            if rec.seqs[0] <= self.last_seq.get(conn.tag, 0) or rec.seqs != sorted(rec.seqs):
                self.out_of_order += 1
            self.last_seq[conn.tag] = rec.seqs[-1]
            rec.receipts += 1
            rec.viewers.add(conn.tag)
            if conn.tag % self.sample_every == 0:
                rec.sampled.append(now)
            if now > rec.last:
                rec.last = now


async def _connect_all(cfg: dict, count: int, cookie_for, on_event, join: bool,
                       ports: list[int] | None = None) -> tuple[list, Counter]:
    """Connect (and join) count connections, cfg['concurrency'] at a time (connection i to ports[i % n])."""
    host, episode = "127.0.0.1", cfg["episode_id"]
    ports = ports or [cfg["port"]]
    sem = asyncio.Semaphore(cfg.get("concurrency", 100))
    conns: list = [None] * count
    errors: Counter = Counter()
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        async with sem:
            for _attempt in range(3):
                try:
                    conn = await connect(host, ports[i % len(ports)], cookie_for(i), on_event, tag=i)
                    if join:
                        ack = await asyncio.wait_for(conn.emit("join", {"episode_id": episode}), 120)
                        if not ack.get("ok"):
                            errors["join:" + ack["error"]["code"]] += 1
                            conn.close()
                            return
                    conns[i] = conn
                    break
                except (OSError, asyncio.TimeoutError, ConnectionError) as error:
                    errors[type(error).__name__] += 1
                    await asyncio.sleep(0.5)
            done += 1
            if done % 1000 == 0:
                print(f"PROGRESS connected {done}/{count}", flush=True)

    await asyncio.gather(*(one(i) for i in range(count)))
    return [c for c in conns if c is not None], errors


def _schedule(t0: float, seconds: float, rate: float):
    """Absolute send times at `rate` per second for `seconds`."""
    n = int(seconds * rate)
    return [t0 + k / rate for k in range(n)]


async def run_comments(cfg: dict, go: float) -> dict:
    """Commenters post at cfg['rate']/s through `comment` with acks (bodies carry the send time)."""
    commenters = cfg["_commenters"]
    acks: list = []
    codes: Counter = Counter()
    pending: list = []
    for k, at in enumerate(_schedule(go, cfg["seconds"], cfg["rate"])):
        delay = at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.time()
        conn = commenters[k % len(commenters)]
        fut = conn.emit("comment", {"episode_id": cfg["episode_id"], "body": f"bench #{k} t={sent:.6f} 执法直播压测"})

        def done(f, k=k, sent=sent) -> None:
            if f.exception() is not None:
                codes["lost_connection"] += 1
                return
            ack = f.result()
            if ack.get("ok"):
                acks.append((k, ack["seq"], ack["state"], time.time() - sent))
            else:
                codes[ack["error"]["code"]] += 1
        fut.add_done_callback(done)
        pending.append(fut)
    await asyncio.wait(pending, timeout=30)
    unacked = sum(1 for f in pending if not f.done())
    return {"sent": len(pending), "acked": len(acks), "ack_seqs": [a[1] for a in acks],
            "held": sum(1 for a in acks if a[2] != "published"), "ack_latency": sorted(a[3] for a in acks),
            "failed": dict(codes), "unacked": unacked}


async def run_likes(cfg: dict, tappers: list, go: float) -> dict:
    """Each tapper sends `like {count}` msgs_per_s times a second, phases spread over the second."""
    per_msg, per_s, seconds = cfg["taps_per_msg"], cfg["msgs_per_s"], cfg["seconds"]
    accepted_by_second: dict[int, int] = defaultdict(int)
    codes: Counter = Counter()
    pending: list = []
    stats = {"acked_ok": 0, "accepted": 0, "sent_taps": 0}

    async def tapper(i: int, conn) -> None:
        phase = (i / len(tappers)) / per_s
        for at in _schedule(go + phase, seconds, per_s):
            delay = at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            fut = conn.emit("like", {"episode_id": cfg["episode_id"], "count": per_msg})
            stats["sent_taps"] += per_msg

            def done(f) -> None:
                if f.exception() is not None:
                    codes["lost_connection"] += 1
                    return
                ack = f.result()
                if ack.get("ok"):
                    stats["acked_ok"] += 1
                    stats["accepted"] += ack["accepted"]
                    accepted_by_second[int(time.time() - go)] += ack["accepted"]
                else:
                    codes[ack["error"]["code"]] += 1
            fut.add_done_callback(done)
            pending.append(fut)

    await asyncio.gather(*(tapper(i, c) for i, c in enumerate(tappers)))
    if pending:
        await asyncio.wait(pending, timeout=30)
    return {**stats, "messages": len(pending), "unacked": sum(1 for f in pending if not f.done()),
            "failed": dict(codes), "accepted_by_second": dict(sorted(accepted_by_second.items()))}


async def main() -> None:
    cfg = json.loads(sys.stdin.readline())
    loop = asyncio.get_running_loop()
    collector = Collector(cfg.get("sample_every", 1))
    viewers, errors = await _connect_all(cfg, cfg.get("viewers", 0), lambda i: None, collector.on_event, True)
    cookies = cfg.get("commenter_cookies", [])
    commenters, c_errors = await _connect_all(cfg, len(cookies), lambda i: cookies[i], None, False,
                                              cfg.get("commenter_ports"))
    cfg["_commenters"] = commenters
    tappers, t_errors = await _connect_all(cfg, cfg.get("tappers", 0), lambda i: None, None, True)
    errors.update(c_errors)
    errors.update(t_errors)
    print("READY " + json.dumps({"viewers": len(viewers), "commenters": len(commenters), "tappers": len(tappers),
                                 "connect_errors": dict(errors)}), flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    go = float(line.split()[1])
    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.time()
    out: dict = {}
    if cfg.get("mode") == "likes":
        out["likes"] = await run_likes(cfg, tappers, go)
    elif commenters and cfg.get("rate"):
        out["comments"] = await run_comments(cfg, go)
    remaining = go + cfg["seconds"] + cfg.get("drain", 3.0) - time.time()
    if remaining > 0:
        await asyncio.sleep(remaining)
    usage1, wall1 = resource.getrusage(resource.RUSAGE_SELF), time.time()
    out["client_cpu_pct"] = round(100 * ((usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime))
                                  / (wall1 - wall0), 1)
    out["viewers"] = len(viewers)
    out["viewers_dropped"] = sum(1 for c in viewers if c.closed)
    out["sampled_viewers"] = len(range(0, len(viewers), collector.sample_every))
    tags = {c.tag for c in viewers}
    out["records"] = [{"seqs": r.seqs, "sends": r.sends, "receipts": r.receipts, "distinct": len(r.viewers),
                       "missing": sorted(tags - r.viewers)[:1000], "last": r.last, "sampled": r.sampled}
                      for r in collector.records.values() if r.seqs]
    out["batches_distinct"] = len(collector.records)
    out["other_events"] = dict(collector.other)
    out["out_of_order"] = collector.out_of_order
    Path(cfg["result_path"]).write_text(json.dumps(out))
    for conn in viewers + commenters + tappers:
        conn.close()
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
