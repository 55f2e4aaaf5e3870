"""Socket.IO handler plumbing: every event answers with an ack, never with a crash."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError, ValidationFailed

log = logging.getLogger(__name__)
#: Ids are 32-bit on every engine; bigger numbers cannot name anything.
MAX_ID = 2**31 - 1


def failed(error: DomainError) -> dict:
    """A failed ack: `{"ok": false, "error": {code, message}}`."""
    return {"ok": False, "error": error.to_dict()}


def acked(handler: Callable[..., dict | None]) -> Callable[..., dict]:
    """Wrap a socket event handler: the payload must be an object; errors become a failed ack.

    The handler receives the payload dict and returns the data of a successful ack.
    """
    @functools.wraps(handler)
    def wrapper(payload: Any = None, *args: Any) -> dict:
        from app.extensions import db

        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            return failed(ValidationFailed(_l("The message must be a JSON object."), code="bad_payload"))
        try:
            data = handler(payload)
        except DomainError as error:
            db.session.rollback()
            return failed(error)
        except Exception:  # the connection must survive whatever a client sends
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
