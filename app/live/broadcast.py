"""What viewers receive: the one Batcher of the /live namespace and the shapes of its items.

Every change in a room (comment, hidden, answer, note, pin, …) becomes an item of the
room's next `batch` event; likes and viewers are latest values. At most one message per
room per LIVE_FLUSH_INTERVAL, whatever the comment rate.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask

from app.core import wire
from app.core.fanout import Batcher
from app.core.realtime import after_commit

log = logging.getLogger(__name__)
NAMESPACE = "/live"
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
_started = threading.Event()
_last_counts: dict[tuple[int, str], Any] = {}
_counts_lock = threading.Lock()


def episode_room(episode_id: int) -> str:
    """The room of an episode's viewers."""
    return f"episode:{episode_id}"


def queue_item(episode_id: int, item: dict) -> None:
    """Add an item to the room's next batch, in every process, once the unit of work commits."""
    from flask import current_app

    from app.live import relay

    app = current_app._get_current_object()
    after_commit(lambda: relay.publish(app, episode_room(episode_id), item))


def put_latest(episode_id: int, key: str, value: Any) -> None:
    """Set a latest value (likes, viewers) of the room's next batch now."""
    batcher.put(episode_room(episode_id), key, value)


def put_if_changed(episode_id: int, key: str, value: Any) -> None:
    """put_latest, unless this process already sent that value (counts refreshed every second)."""
    with _counts_lock:
        if _last_counts.get((episode_id, key)) == value:
            return
        _last_counts[(episode_id, key)] = value
    put_latest(episode_id, key, value)


def comment_item(comment) -> dict:
    """A comment or question as viewers see it."""
    from app.observers.queries import observer_kind_of

    user = comment.user
    return {
        "type": "comment", "id": comment.id, "seq": comment.seq, "kind": comment.kind,
        "body": comment.body, "author": user.display_name if user else "",
        "author_role": user.role if user else "public",
        # deputy/cppcc/expert/citizen/supervisor or None; loaded with history, looked up otherwise
        "observer_kind": comment.observer_kind or observer_kind_of(user),
        "offset": comment.offset_seconds, "upvotes": comment.upvotes,
        "answer": comment.answer_body, "answered": comment.answer_body is not None,
        "at": comment.created_at.isoformat() if comment.created_at else None,
    }


def note_item(note) -> dict:
    """A live note as viewers see it."""
    basis = note.legal_basis
    return {
        "type": "note", "id": note.id, "body": note.body,
        "image": f"/live/note-images/{note.image_path}" if note.image_path else None,
        "legal_basis": ({"id": basis.id, "citation": basis.citation, "excerpt": basis.excerpt}
                        if basis else None),
        "author": note.author.display_name if note.author else "",
        "offset": note.offset_seconds,
        "at": note.created_at.isoformat() if note.created_at else None,
    }


def start_background(app: Flask, socketio) -> None:
    """Start the batch flusher, the like flusher and (with a message queue) the relay once per process."""
    if not app.config.get("LIVE_BACKGROUND_TASKS", True) or _started.is_set():
        return
    _started.set()
    from app.live import relay
    from app.live.likes import flush_loop

    batcher.interval = float(app.config.get("LIVE_FLUSH_INTERVAL", 0.5))
    batcher.latest_every = float(app.config.get("LIVE_COUNTS_INTERVAL", 1.0))
    if relay.enabled(app):
        batcher.emit_options = {"ignore_queue": True}  # every process sends to its own viewers
        socketio.start_background_task(relay.listen, app, socketio)
    if wire.installed(socketio):
        batcher.send = wire.send_to_room  # one frame built per batch, written to each viewer directly
    batcher.start(socketio)
    socketio.start_background_task(flush_loop, app, socketio)
    log.info("live room background tasks started (batch every %.2fs)", batcher.interval)


def reset() -> None:
    """Forget pending batches and the counts last sent (tests)."""
    batcher.reset()
    with _counts_lock:
        _last_counts.clear()
