"""What viewers receive: the shapes of live items and how they join a room's next batch (batch.py).

Every change in a room (comment, hidden, answer, note, pin, …) becomes an item of the
room's next `batch` event; likes and viewers are latest values. At most one message per
room per LIVE_FLUSH_INTERVAL, whatever the comment rate.
"""
from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from app.core.realtime import after_commit
from app.episodes.rooms import NAMESPACE, episode_room
from app.live import relay
from app.live.batch import EVENT, batcher, in_seq_order
from app.live.ordering import SKIP, order
from app.observers.queries import observer_kind_of

__all__ = ["EVENT", "NAMESPACE", "batcher", "episode_room", "in_seq_order"]  # re-exported for callers and tests
_last_counts: dict[tuple[int, str], Any] = {}
_counts_lock = threading.Lock()


def queue_item(episode_id: int, item: dict) -> None:
    """Add an item to the room's next batch, in every process, once the unit of work commits."""
    app = current_app._get_current_object()
    after_commit(lambda: relay.publish(app, episode_room(episode_id), item))


def skip_seq(episode_id: int, seq: int) -> None:
    """Tell every process now that seq will never be a comment (its insert failed): nothing waits for it."""
    relay.publish(current_app._get_current_object(), episode_room(episode_id), {"type": SKIP, "seq": seq})


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


def comment_item(comment, observer_kind: str | None = None) -> dict:
    """A comment or question as viewers see it (observer_kind: when the caller already knows it)."""
    user = comment.user
    return {
        "type": "comment", "id": comment.id, "seq": comment.seq, "kind": comment.kind,
        "body": comment.body, "author": user.display_name if user else "",
        "author_role": user.role if user else "public",
        # deputy/cppcc/expert/citizen/supervisor or None; loaded with history, looked up otherwise
        "observer_kind": observer_kind or comment.observer_kind or observer_kind_of(user),
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


def reset() -> None:
    """Forget pending batches and the counts last sent (tests)."""
    batcher.reset()
    order.reset()
    with _counts_lock:
        _last_counts.clear()
