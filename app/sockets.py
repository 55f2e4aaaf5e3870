"""Every Socket.IO namespace of the site, registered in one place."""
from __future__ import annotations


def register_namespaces(socketio) -> None:
    """Attach each area's namespace to the Socket.IO server."""
    from app.live.events import register_live_namespace

    register_live_namespace(socketio)

    from app.polls.events import register_polls_namespace

    register_polls_namespace(socketio)
