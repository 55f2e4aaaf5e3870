"""Live items across server processes: every process batches for its own viewers only.

With one process, an item goes straight into the batcher (through the seq hold-back of ordering.py). With a message queue
(SOCKETIO_MESSAGE_QUEUE, several processes), the process that accepted a comment
publishes the item on a Redis channel; every process, itself included, adds it to its own
batcher and sends each room one batch per interval to its own connections (`ignore_queue`).

Why not let each process flush its batches through the message queue? Then with P processes
accepting comments (sticky sessions spread commenters over all of them), every viewer would
receive P batches per interval, and each process would send P times the frames: batching
would hold per process but not per viewer.
"""
from __future__ import annotations

import json
import threading
import logging
from typing import Callable

from flask import Flask

from app.core import redisclient
from app.live.batch import batcher
from app.live.ordering import order

log = logging.getLogger(__name__)
CHANNEL = "zhibo:live:items"
#: Set while this process is subscribed to CHANNEL: before that, items published elsewhere miss it
#: (app/live/joins.py shares a room's view only while every item reaches this process).
subscribed = threading.Event()


def enabled(app: Flask) -> bool:
    """True when several processes share rooms through a message queue."""
    return bool(app.config.get("SOCKETIO_MESSAGE_QUEUE"))


def _redis(app: Flask):
    return redisclient.client(app.config["SOCKETIO_MESSAGE_QUEUE"])


def publish(app: Flask, room: str, item: dict) -> None:
    """Deliver an item to every process's batcher for the room (this one's directly without a queue)."""
    if not enabled(app):
        deliver(room, item)
        return
    _redis(app).publish(CHANNEL, json.dumps([room, item], ensure_ascii=False, separators=(",", ":")))


def deliver(room: str, item: dict) -> None:
    """Hand an item to this process's batcher once the seqs below it are in (app/live/ordering.py)."""
    for ready in order.offer(room, item):
        batcher.add(room, ready)


def release_held() -> None:
    """Before each flush: let rooms held by a seq that never came move on."""
    for room, items in order.due().items():
        for item in items:
            batcher.add(room, item)


def watch(room: str, last_seq: Callable[[], int]) -> None:
    """A viewer of this process joined the room: order its comments from the last seq handed out."""
    if not order.knows(room):  # asked once per room and process, not per join
        order.start(room, last_seq())


def listen(app: Flask, socketio) -> None:
    """Background task: add every published item to this process's batcher, for ever."""
    while True:
        try:
            pubsub = _redis(app).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            subscribed.set()
            for message in pubsub.listen():
                room, item = json.loads(message["data"])
                deliver(room, item)
        except Exception:  # Redis restarted or the network blinked: subscribe again
            subscribed.clear()
            log.exception("live relay lost its subscription; retrying in 1 s")
            socketio.sleep(1.0)
