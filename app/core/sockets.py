"""Socket.IO handler plumbing: every event answers with an ack, never with a crash."""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_socketio import Namespace
from socketio.packet import Packet

from app.core import i18n, strictjson
from app.core.deadline import deadline
from app.core.errors import DomainError, Unavailable, ValidationFailed, dependency_error

log = logging.getLogger(__name__)
#: Ids are 32-bit on every engine; bigger numbers cannot name anything.
MAX_ID = 2**31 - 1
#: Largest event payload parsed (characters). The biggest real one, an answer of 2,000 characters,
#: is under 13 KB even with every character \u-escaped; a larger packet gets a failed ack.
MAX_PACKET_CHARS = 64 * 1024
#: The event name a refused packet is delivered under (with the refusal as its only argument).
MALFORMED = "malformed"


class PacketJSON:
    """The json module python-socketio decodes packets with: strictjson, and a refusal stays a packet.

    A packet whose JSON is refused becomes the event MALFORMED carrying the `DomainError`, so the
    packet's ack id survives and the namespace answers a failed ack (a raising loads would drop the
    packet silently, and the client would wait for an ack that never comes).
    """

    @staticmethod
    def dumps(*args: Any, **kwargs: Any) -> str:
        """Encode as the standard library does."""
        return json.dumps(*args, **kwargs)

    @staticmethod
    def loads(text: str | bytes) -> Any:
        """Decode strictly; a refusal becomes `[MALFORMED, error]`."""
        try:
            return strictjson.loads(text, max_bytes=MAX_PACKET_CHARS)
        except DomainError as error:
            return [MALFORMED, error]


class StrictPacket(Packet):
    """The server's packets (python-socketio's `serializer`): decoded with PacketJSON.

    A subclass rather than the server's `json` option, which would change the class that
    Socket.IO clients in the same process (tests, tools) decode the server's batches with.
    """

    json = PacketJSON

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether data holds bytes: python-socketio's check, without a list built per level.

        Every ack passes through it; the recursive original walked a join's 50-comment history
        as ~700 calls and lists, 7% of a join storm's server CPU (py-spy, bench/live/joinstorm.py).
        """
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, (bytes, bytearray)):
                return True
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return False


class SafeNamespace(Namespace):
    """A namespace whose every event gets an ack: unknown events and refused packets fail clearly."""

    def trigger_event(self, event: str, *args: Any):
        """Dispatch to on_<event>; a refused packet or an unknown event gets a failed ack."""
        if len(args) >= 2 and isinstance(args[1], DomainError):  # (sid, refusal) from PacketJSON
            # in the connection's request context, so the message is in the viewer's language
            return self.socketio._handle_event(failed, event, self.namespace, *args)
        if event not in ("connect", "disconnect") and not hasattr(self, "on_" + event):
            return {"ok": False, "error": {"code": "unknown_event", "message": str(_l("Unknown event."))}}
        try:
            return super().trigger_event(event, *args)
        finally:
            if args:
                self._forget_request(args[0])

    def _forget_request(self, sid: str) -> None:
        """Drop the event's Request from the connection's environ, where werkzeug caches it.

        Flask-SocketIO builds a new Request from the same environ for every event, and werkzeug
        stores each in `environ["werkzeug.request"]`: without this, every idle connection keeps
        its last event's Request (parsed cookies, headers, the event's arguments) until its next.
        """
        environ = self.socketio.server.get_environ(sid, self.namespace)
        if environ:
            environ.pop("werkzeug.request", None)


def failed(error: DomainError) -> dict:
    """A failed ack: `{"ok": false, "error": {code, message}}`."""
    return {"ok": False, "error": error.to_dict()}


def acked(handler: Callable[..., dict | None]) -> Callable[..., dict]:
    """Wrap a socket event handler: the payload must be an object; errors become a failed ack.

    The handler receives the payload dict and returns the data of a successful ack. It has
    SOCKET_ACK_TIMEOUT seconds (gevent): a database or Redis that does not answer becomes a
    failed ack `unavailable` (docs/outages.md), never a wait without end.
    """
    @functools.wraps(handler)
    def wrapper(payload: Any = None, *args: Any) -> dict:
        from flask import current_app

        from app.extensions import db

        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            return failed(ValidationFailed(_l("The message must be a JSON object."), code="bad_payload"))
        try:
            with deadline(current_app.config.get("SOCKET_ACK_TIMEOUT", 5.0)):
                data = handler(payload)
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, Unavailable):
                i18n.skip_user_locale()  # the message must not wait for the database that failed
            return failed(error)
        except Exception as error:  # the connection must survive whatever a client sends
            refusal = dependency_error(error)
            if refusal is not None:
                log.warning("socket handler %s: dependency unavailable: %s", handler.__name__, error)
                db.session.rollback()
                i18n.skip_user_locale()
                return failed(refusal)
            log.exception("socket handler %s failed", handler.__name__)
            db.session.rollback()
            return failed(DomainError(_l("Something went wrong on our side. It has been logged."),
                                      code="server_error"))
        return {"ok": True, **(data or {})}
    return wrapper


def require_int(payload: dict, key: str) -> int:
    """A positive integer field of a payload, or a failed ack."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValidationFailed(_l("The field %(field)s must be a positive whole number.", field=key),
                               code="bad_payload", details={"field": key})
    return value
