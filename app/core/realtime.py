"""Side effects (Socket.IO broadcasts, mail) that must wait for the commit."""
from __future__ import annotations

from collections.abc import Callable

from flask import g, has_app_context

_Pending = list[Callable[[], None]]


def _pending() -> _Pending:
    if not has_app_context():
        raise RuntimeError("after_commit needs an application context")
    if "_after_commit" not in g:
        g._after_commit = []
    return g._after_commit


def after_commit(callback: Callable[[], None]) -> None:
    """Run callback once the current unit of work has committed."""
    _pending().append(callback)


def run_pending() -> None:
    """Run and clear the callbacks queued in this context."""
    callbacks, g._after_commit = _pending(), []
    for callback in callbacks:
        callback()


def discard_pending() -> None:
    """Forget queued callbacks after a rollback."""
    if has_app_context():
        g._after_commit = []


def emit(event: str, payload: dict, room: str | None = None, namespace: str = "/live") -> None:
    """Broadcast a Socket.IO event after the commit."""
    from app.extensions import socketio

    after_commit(lambda: socketio.emit(event, payload, to=room, namespace=namespace))
