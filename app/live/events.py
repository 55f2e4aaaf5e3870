"""The /live Socket.IO namespace: joining an episode's room.

Connections are open to anonymous viewers; the actor comes from the session
cookie. Each event validates its payload and answers with an ack.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_socketio import Namespace, join_room, leave_room

from app.core.auth import current_actor
from app.core.errors import NotFound
from app.core.sockets import acked, require_int
from app.episodes.models import Episode
from app.episodes.queries import visible_episodes
from app.extensions import db

NAMESPACE = "/live"


def episode_room(episode_id: int) -> str:
    """The room of an episode's viewers."""
    return f"episode:{episode_id}"


def _visible_episode(episode_id: int) -> Episode:
    episode = db.session.scalar(visible_episodes(current_actor()).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound(_l("No such episode."), code="episode_not_found")
    return episode


class LiveNamespace(Namespace):
    """Viewers join and leave episode rooms; later features add comment, like, question events."""

    def trigger_event(self, event: str, *args):
        """Dispatch to on_<event>; unknown events get a failed ack and the connection stays up."""
        if event not in ("connect", "disconnect") and not hasattr(self, "on_" + event):
            return {"ok": False, "error": {"code": "unknown_event", "message": str(_l("Unknown event."))}}
        return super().trigger_event(event, *args)

    def on_connect(self, auth=None) -> bool:
        """Everyone may connect; who they are is read per event from the session."""
        return True

    def on_join(self, payload=None, *_extra) -> dict:
        """Join an episode's room: `{"episode_id": 1}` → `{"ok": true, "episode": {...}}`."""
        return _join(payload)

    def on_leave(self, payload=None, *_extra) -> dict:
        """Leave an episode's room."""
        return _leave(payload)


@acked
def _join(payload: dict) -> dict:
    episode = _visible_episode(require_int(payload, "episode_id"))
    join_room(episode_room(episode.id))
    return {"episode": {"id": episode.id, "number": episode.number, "state": episode.state}}


@acked
def _leave(payload: dict) -> dict:
    leave_room(episode_room(require_int(payload, "episode_id")))
    return {}


def register_live_namespace(socketio) -> None:
    """Attach the namespaces to the Socket.IO server."""
    socketio.on_namespace(LiveNamespace(NAMESPACE))

    @socketio.on_error_default
    def _any_error(error: Exception) -> dict:
        """Last safety net: a failed ack instead of a dropped event."""
        import logging

        from app.extensions import db

        logging.getLogger(__name__).exception("socket event failed", exc_info=error)
        db.session.rollback()
        return {"ok": False, "error": {"code": "server_error",
                                       "message": str(_l("Something went wrong on our side. It has been logged."))}}
