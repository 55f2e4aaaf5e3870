"""The live room's background tasks, started once per process when the first viewer joins.

The batch flusher (batch.py), the like and peak flusher (likes.py) and, with a message queue,
the relay listener (relay.py): above all three, so none of them imports another to start it.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from app.core import wire
from app.live import relay
from app.live.batch import batcher
from app.live.likes import flush_loop

log = logging.getLogger(__name__)
_started = threading.Event()


def start_background(app: Flask, socketio) -> None:
    """Start the batch flusher, the like flusher and (with a message queue) the relay once per process."""
    if not app.config.get("LIVE_BACKGROUND_TASKS", True) or _started.is_set():
        return
    _started.set()
    batcher.interval = float(app.config.get("LIVE_FLUSH_INTERVAL", 0.5))
    batcher.latest_every = float(app.config.get("LIVE_COUNTS_INTERVAL", 1.0))
    batcher.before_flush = relay.release_held
    if relay.enabled(app):
        batcher.emit_options = {"ignore_queue": True}  # every process sends to its own viewers
        socketio.start_background_task(relay.listen, app, socketio)
    if wire.installed(socketio):
        batcher.send = wire.send_to_room  # one frame built per batch, written to each viewer directly
    batcher.start(socketio)
    socketio.start_background_task(flush_loop, app, socketio)
    log.info("live room background tasks started (batch every %.2fs)", batcher.interval)
