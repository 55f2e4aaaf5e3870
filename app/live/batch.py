"""The process's one Batcher of the /live namespace: every room gets at most one `batch` per interval.

Apart from broadcast.py (what goes into a batch) so that the relay, which feeds items from other
processes into this batcher, and the background starter both sit above it without a cycle.
"""
from __future__ import annotations

from app.core.fanout import Batcher
from app.episodes.rooms import NAMESPACE

EVENT = "batch"


def in_seq_order(items: list[dict]) -> list[dict]:
    """The batch's comments in seq order, in the slots comments held; other items stay put.

    Two processes can publish consecutive comments in the opposite order (each publishes after
    its own commit); within one batch that is mended here.
    """
    slots = [i for i, item in enumerate(items) if item.get("type") == "comment"]
    ordered = sorted((items[i] for i in slots), key=lambda item: item["seq"])
    out = list(items)
    for slot, item in zip(slots, ordered):
        out[slot] = item
    return out


#: The process's one batcher for the /live namespace.
batcher = Batcher(EVENT, NAMESPACE, interval=0.5, latest_every=1.0, order=in_seq_order)
