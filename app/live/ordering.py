"""Comments reach each process's viewers in seq order, whichever process accepted them and when.

A comment's seq is taken in the statement that stores it, without holding the episode row
until a later commit (app/live/comments.py), so two comments can commit microseconds apart
and their greenlets, on one process or on two, publish them in the opposite order. Before,
a batch boundary falling between the two showed a viewer seq 11 before seq 10 — and a viewer
who resumed from 11 would never get 10.

Each process therefore holds a room's comment items back until the seqs below them have
arrived: every seq taken is accounted for, either as a published comment or as a `skip`
(a comment held for review takes a seq that viewers never see). A seq that never arrives —
its process died between the commit and the publish, or the relay dropped it — holds the room
for at most HOLD_SECONDS, then the room moves on; if it comes later it is delivered at once
(counted as late: a viewer may see it after higher seqs, never twice and never lost).
Items without a seq (answers, pins, notes, counts) are not held.
"""
from __future__ import annotations

import heapq
import threading
import time
from typing import Any, Callable

#: How long a missing seq may hold back the comments after it (then it counts as lost in transit).
HOLD_SECONDS = 2.0
SKIP = "skip"


class SeqOrder:
    """Per-room hold-back of seq'd items until the seqs below them have arrived."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold_seconds = hold_seconds
        self._clock = clock
        self._lock = threading.Lock()
        #: room → the next seq its viewers should get
        self._next: dict[str, int] = {}
        #: room → heap of (seq, arrival, item) that arrived ahead of a missing seq
        self._waiting: dict[str, list[tuple[int, float, int, Any]]] = {}
        self._counter = 0
        self.late = 0
        self.gaps_skipped = 0

    def start(self, room: str, last_seq: int) -> None:
        """Expect last_seq + 1 next in the room, unless the room is already being ordered."""
        with self._lock:
            self._next.setdefault(room, last_seq + 1)

    def knows(self, room: str) -> bool:
        """Whether the room's next seq is known here."""
        with self._lock:
            return room in self._next

    def offer(self, room: str, item: dict) -> list[dict]:
        """The items ready for the room's viewers now that item arrived (possibly none)."""
        seq = item.get("seq") if item.get("type") in ("comment", SKIP) else None
        if seq is None:
            return [item]
        with self._lock:
            expected = self._next.get(room)
            if expected is None:  # the first seq this process sees in the room
                expected = self._next[room] = seq
            if seq < expected:  # after its hole timed out, or a republished item's old number
                if item.get("type") == SKIP:
                    return []
                self.late += 1
                return [item]
            self._counter += 1
            heapq.heappush(self._waiting.setdefault(room, []), (seq, self._clock(), self._counter, item))
            return self._release(room)

    def due(self) -> dict[str, list[dict]]:
        """Items released because a missing seq held their room past hold_seconds."""
        now, out = self._clock(), {}
        with self._lock:
            for room, heap in list(self._waiting.items()):
                if heap and now - min(entry[1] for entry in heap) >= self.hold_seconds:
                    self.gaps_skipped += heap[0][0] - self._next[room]
                    self._next[room] = heap[0][0]
                    ready = self._release(room)
                    if ready:
                        out[room] = ready
        return out

    def _release(self, room: str) -> list[dict]:
        heap, ready = self._waiting.get(room, []), []
        while heap and heap[0][0] <= self._next[room]:
            seq, _at, _n, item = heapq.heappop(heap)
            if seq == self._next[room]:
                self._next[room] = seq + 1
            if item.get("type") != SKIP:
                ready.append(item)
        if not heap:
            self._waiting.pop(room, None)
        return ready

    def stats(self) -> dict[str, int]:
        """Held items now, late arrivals and seqs given up on (for /healthz)."""
        with self._lock:
            waiting = sum(len(heap) for heap in self._waiting.values())
        return {"held_back": waiting, "late": self.late, "gaps_skipped": self.gaps_skipped}

    def reset(self) -> None:
        """Forget every room (tests)."""
        with self._lock:
            self._next.clear()
            self._waiting.clear()
            self.late = self.gaps_skipped = 0


#: The process's one orderer, in front of its batcher.
order = SeqOrder()
