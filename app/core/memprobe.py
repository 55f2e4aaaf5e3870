"""A debug-only memory probe of the server process: where the bytes per connection go.

Off unless the environment names a directory in ZHIBO_MEMPROBE (never set in production; the
memory benchmark bench/live/memory.py sets it). Then SIGNAL (SIGRTMIN+2: SIGUSR1 and SIGUSR2
belong to the timing probe, app/core/probe.py) makes the process collect
garbage and write `probe-<n>.json` there: RSS, live greenlets, object counts by type and, with
ZHIBO_MEMPROBE_TRACE=<frames> (tracemalloc started at install, which itself costs memory and
CPU), the allocations grouped by source line against the first probe. The benchmark probes
once before the viewers connect and once after they have joined; the difference divided by
the viewers is the cost of one idle viewer.
"""
from __future__ import annotations

import gc
import json
import logging
import os
import signal
import tracemalloc
from collections import Counter
from pathlib import Path

log = logging.getLogger(__name__)

_state: dict = {"n": 0, "baseline": None}
#: The signal that takes a probe (bench/live/memory.py sends the same number).
SIGNAL = signal.SIGRTMIN + 2


def install() -> bool:
    """Install the probe on SIGNAL when ZHIBO_MEMPROBE names a directory; False when off."""
    target = os.environ.get("ZHIBO_MEMPROBE")
    if not target:
        return False
    frames = int(os.environ.get("ZHIBO_MEMPROBE_TRACE", "0") or 0)
    if frames > 0:
        tracemalloc.start(frames)
    import gevent

    gevent.signal_handler(SIGNAL, gevent.spawn, probe, Path(target))
    log.warning("memory probe on: signal %d writes to %s (tracemalloc frames: %d)", SIGNAL, target, frames)
    return True


def rss_kb() -> int:
    """Resident set size of this process in KiB (/proc/self/status)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _runs(g) -> str:
    """What a greenlet runs: its function's qualified name."""
    run = getattr(g, "_run", None) or getattr(g, "run", None)
    run = getattr(run, "__func__", run)
    return getattr(run, "__qualname__", type(g).__qualname__)


def probe(target: Path) -> Path:
    """Collect, count and (when tracing) snapshot; write probe-<n>.json into target."""
    import greenlet

    gc.collect()
    _state["n"] += 1
    types: Counter = Counter()
    for obj in gc.get_objects():
        types[type(obj).__qualname__] += 1
    out: dict = {"rss_kb": rss_kb(), "greenlets": types.get("Greenlet", 0) + types.get("greenlet", 0),
                 "types": dict(types.most_common(80)), "gc_objects": sum(types.values())}
    # greenlet objects of any subclass (gevent's Greenlet, engineio's Thread, the hub), and the
    # live ones by what they run
    live: Counter = Counter()
    out["greenlets_all"] = 0
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet):
            out["greenlets_all"] += 1
            if not obj.dead:
                live[_runs(obj)] += 1
    out["greenlets_by_run"] = dict(live.most_common())
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),))
        out["traced_kb"] = round(sum(s.size for s in snapshot.statistics("filename")) / 1024, 1)
        baseline = _state["baseline"]
        if baseline is None:
            _state["baseline"] = snapshot
        else:
            out["growth_by_line"] = [
                {"kb": round(s.size_diff / 1024, 1), "count": s.count_diff,
                 "where": [f"{f.filename}:{f.lineno}" for f in s.traceback]}
                for s in snapshot.compare_to(baseline, "traceback")[:60]]
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"probe-{_state['n']}.json"
    path.write_text(json.dumps(out, indent=1))
    return path
