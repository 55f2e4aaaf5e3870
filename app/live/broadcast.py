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

from app.core.fanout import Batcher
from app.core.realtime import after_commit

log = logging.getLogger(__name__)
NAMESPACE = "/live"
EVENT = "batch"

#: The process's one batcher for the /live namespace.
batcher = Batcher(EVENT, NAMESPACE, interval=0.25, latest_every=1.0)
_started = threading.Event()


def episode_room(episode_id: int) -> str:
    """The room of an episode's viewers."""
    return f"episode:{episode_id}"


def queue_item(episode_id: int, item: dict) -> None:
    """Add an item to the room's next batch once the unit of work commits.

    Starts the flusher if this process has none yet: with several processes, the one
    that accepted a comment (over the API, say) may have no viewer of its own.
    """
    from flask import current_app

    from app.extensions import socketio

    app = current_app._get_current_object()

    def _add() -> None:
        start_background(app, socketio)
        batcher.add(episode_room(episode_id), item)

    after_commit(_add)


def put_latest(episode_id: int, key: str, value: Any) -> None:
    """Set a latest value (likes, viewers) of the room's next batch now."""
    batcher.put(episode_room(episode_id), key, value)


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
    """Start the batch flusher and the like flusher once per process."""
    if not app.config.get("LIVE_BACKGROUND_TASKS", True) or _started.is_set():
        return
    _started.set()
    batcher.interval = float(app.config.get("LIVE_FLUSH_INTERVAL", 0.25))
    batcher.latest_every = float(app.config.get("LIVE_COUNTS_INTERVAL", 1.0))
    batcher.start(socketio)
    from app.live.likes import flush_loop

    socketio.start_background_task(flush_loop, app, socketio)
    log.info("live room background tasks started (batch every %.2fs)", batcher.interval)
