"""The server process's garbage collector, tuned for thousands of long-lived connections.

With 5,000 viewers a process holds millions of long-lived objects (connections, greenlets,
sockets). Python's default thresholds (700, 10, 10) then run a full collection every few
seconds while viewers join and every ~20 s under 100 comments/s, each a 0.1–0.6 s pause of
the whole process: the tail of comment delivery (docs/performance.md, "Live room").
Two changes remove those pauses: `gc.freeze()` once the app is built (the import-time objects
are never scanned again), and a rarer promotion into the oldest generation (threshold1 50,
threshold2 1000) so short-lived objects die young instead of growing the full collections'
work. Cyclic garbage that does reach the oldest generation waits longer to be freed.
"""
from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def parse(spec: str) -> tuple[int, int, int] | None:
    """'700,50,1000' → (700, 50, 1000); '' → None (Python's defaults)."""
    if not spec.strip():
        return None
    parts = tuple(int(part) for part in spec.split(","))
    if len(parts) != 3 or min(parts) < 1:
        raise ValueError(f"GC_THRESHOLDS needs three positive integers, got {spec!r}")
    return parts  # type: ignore[return-value]


def tune(spec: str) -> None:
    """Freeze what exists now and set the collector's thresholds (once, in the server process)."""
    thresholds = parse(spec)
    if thresholds is None:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
    log.info("gc frozen at %d objects, thresholds %s", gc.get_freeze_count(), thresholds)
