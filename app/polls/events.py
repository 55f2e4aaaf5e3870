"""The /polls Socket.IO namespace: watch a poll's live results.

`watch` {poll_id} joins the room `poll:<id>` and answers with the current results
(without numbers while they are hidden); `results` events then follow, batched.
"""
from __future__ import annotations

from flask_socketio import join_room, leave_room

from app.core.auth import current_actor
from app.core.sockets import SafeNamespace, acked, require_int
from app.polls.live import NAMESPACE, poll_room
from app.polls.queries import results
from app.polls.services import get_poll


class PollsNamespace(SafeNamespace):
    """Anyone may watch a visible poll; votes go through HTTP."""

    def on_connect(self, auth=None) -> bool:
        """Everyone may connect."""
        return True

    def on_watch(self, payload=None, *_extra) -> dict:
        """Join a poll's room: `{"poll_id": 1}` → `{"ok": true, "results": {...}}`."""
        return _watch(payload)

    def on_unwatch(self, payload=None, *_extra) -> dict:
        """Leave a poll's room."""
        return _unwatch(payload)


@acked
def _watch(payload: dict) -> dict:
    poll = get_poll(current_actor(), require_int(payload, "poll_id"))
    join_room(poll_room(poll.id))
    return {"results": results(poll).as_dict()}


@acked
def _unwatch(payload: dict) -> dict:
    leave_room(poll_room(require_int(payload, "poll_id")))
    return {}


def register_polls_namespace(socketio) -> None:
    """Attach the /polls namespace."""
    socketio.on_namespace(PollsNamespace(NAMESPACE))
