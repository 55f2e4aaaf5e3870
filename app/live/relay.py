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
import logging
import os
import secrets
import threading
from collections import deque
from typing import Callable

from flask import Flask

from app.core import redisclient
from app.live.batch import batcher
from app.live.ordering import order

log = logging.getLogger(__name__)
CHANNEL = "zhibo:live:items"
#: Items accepted (committed) while Redis did not answer, published in order once it does.
#: Bounded: past this many an outage's oldest items reach other processes' viewers only on resume.
OUTBOX_SIZE = 10_000
_outbox: deque[str] = deque(maxlen=OUTBOX_SIZE)
_outbox_lock = threading.Lock()
#: Set while this process's listener runs, and while it is subscribed.
_listening = threading.Event()
_subscribed = threading.Event()
#: Names this process on the channel.
_PROCESS = f"{os.getpid()}:{secrets.token_hex(4)}"


def enabled(app: Flask) -> bool:
    """True when several processes share rooms through a message queue."""
    return bool(app.config.get("SOCKETIO_MESSAGE_QUEUE"))


def _redis(app: Flask):
    return redisclient.client(app.config["SOCKETIO_MESSAGE_QUEUE"])


def available(app: Flask) -> bool:
    """False while the relay's Redis is known to be down or this process is not subscribed again.

    New comments are then refused: one published while this process is not subscribed would not
    reach its own viewers. No round trip while Redis is fine; after a failure, one PING per
    REDIS_RETRY_SECONDS decides.
    """
    if not enabled(app):
        return True
    return not _listening.is_set() or (_subscribed.is_set() and
                                       redisclient.available(app.config["SOCKETIO_MESSAGE_QUEUE"]))


def subscribed() -> bool | None:
    """Whether this process's listener is subscribed (None when it is not running)."""
    return _subscribed.is_set() if _listening.is_set() else None


def publish(app: Flask, room: str, item: dict) -> None:
    """Deliver an item to every process's batcher for the room (this one's directly without a queue).

    Runs after the commit, so it never raises: an item Redis does not take waits in the outbox.
    """
    if not enabled(app):
        deliver(room, item)
        return
    with _outbox_lock:
        waiting = bool(_outbox)
        if waiting:  # keep the order: behind what already waits
            _outbox.append(_encode(room, item, origin=_PROCESS))
    if waiting:
        deliver(room, item)
        flush_outbox(app)
        return
    message = _encode(room, item)
    url = app.config["SOCKETIO_MESSAGE_QUEUE"]
    try:
        _redis(app).publish(CHANNEL, message)
    except redisclient.errors() as error:
        redisclient.mark_down(url, error)
        with _outbox_lock:  # other processes get it later; marked so this one does not add it twice
            _outbox.append(_encode(room, item, origin=_PROCESS))
        deliver(room, item)  # this process's own viewers need not wait for Redis


def _encode(room: str, item: dict, origin: str | None = None) -> str:
    """[room, item] on the channel; [room, item, origin] for an item its origin already delivered."""
    parts = [room, item] if origin is None else [room, item, origin]
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def flush_outbox(app: Flask) -> int:
    """Publish what waits in the outbox, oldest first; returns how many went out."""
    url = app.config["SOCKETIO_MESSAGE_QUEUE"]
    if not url or redisclient.is_down(url):
        return 0
    sent = 0
    while True:
        with _outbox_lock:
            if not _outbox:
                return sent
            message = _outbox[0]
        try:
            _redis(app).publish(CHANNEL, message)
        except redisclient.errors() as error:
            redisclient.mark_down(url, error)
            return sent
        with _outbox_lock:
            if _outbox and _outbox[0] is message:
                _outbox.popleft()
        if not sent:
            redisclient.mark_up(url)
        sent += 1


def waiting() -> int:
    """Items in the outbox (for /healthz)."""
    return len(_outbox)


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
    url = app.config["SOCKETIO_MESSAGE_QUEUE"]
    _listening.set()
    while True:
        try:
            pubsub = _redis(app).pubsub()
            pubsub.subscribe(CHANNEL)
            # Subscribed only once Redis confirmed it: what is published after that reaches us.
            confirmed = pubsub.get_message(timeout=redisclient.socket_timeout())
            if not confirmed or confirmed["type"] != "subscribe":
                raise redisclient.errors()[1](f"no subscription confirmed: {confirmed!r}")
            _subscribed.set()
            redisclient.mark_up(url)
            flush_outbox(app)
            for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                room, item, *origin = json.loads(message["data"])
                if origin != [_PROCESS]:  # not one this process delivered itself during an outage
                    deliver(room, item)
        except Exception as error:  # Redis restarted or the network blinked: subscribe again
            _subscribed.clear()
            if isinstance(error, redisclient.errors()):
                redisclient.mark_down(url, error)
                log.warning("live relay lost its subscription (%s); retrying in 1 s", error)
            else:
                log.exception("live relay lost its subscription; retrying in 1 s")
            socketio.sleep(1.0)
