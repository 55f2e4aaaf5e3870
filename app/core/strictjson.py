"""Strict JSON for what clients send: API bodies and Socket.IO packets.

Python's json module recurses once per nesting level, so a body of 5,000 `[` raised
RecursionError deep inside the request (a 500). Everything a client sends is checked here
first: at most MAX_DEPTH levels of nesting, no duplicate keys (two parsers reading
`{"a": 1, "a": 2}` differently is how requests get smuggled), standard JSON only (no NaN or
Infinity, no number too large for a float), valid UTF-8. A refusal is a `BadJSON` domain error,
so the one error handler turns it into a 400 envelope and the socket layer into a failed ack.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError

#: Deeper than any body the site accepts (the deepest schema nests three levels).
MAX_DEPTH = 32

# A JSON string, escapes included (the unrolled form stays linear on long strings).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadJSON(DomainError):
    """A body that is not one well-formed JSON document of bounded size and depth."""

    status = 400
    code = "bad_request"  # the code malformed JSON always had (clients branch on it)

    def default_message(self) -> Any:
        return _l("The request body is not valid JSON.")


class PayloadTooLarge(DomainError):
    """A body larger than the limit for its kind of request."""

    status = 413
    code = "payload_too_large"

    def default_message(self) -> Any:
        return _l("The request body is too large.")


def too_deep(text: str) -> bool:
    """True when arrays and objects in `text` nest deeper than MAX_DEPTH (brackets in strings aside)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # the usual case, decided without a scan
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0) > MAX_DEPTH


def _lone_surrogate(value: Any) -> bool:
    """True when a string in the parsed value holds half a surrogate pair (not storable text)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    """object_pairs_hook: an object may name each key once."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise BadJSON(_l("The key %(key)s appears twice in one object.", key=key[:40]),
                      code="duplicate_key")
    return result


def _finite(text: str) -> float:
    """parse_float: a number a float can hold."""
    value = float(text)
    if math.isinf(value):
        raise BadJSON(_l("A number in the request body is too large."), code="number_too_large")
    return value


def _no_constant(name: str) -> Any:
    """parse_constant: NaN and Infinity are not JSON."""
    raise BadJSON(_l("A number in the request body is too large."), code="number_too_large")


def loads(data: str | bytes, *, max_bytes: int | None = None) -> Any:
    """Parse one JSON document strictly, or raise BadJSON / PayloadTooLarge."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayloadTooLarge(_l("The request body is larger than %(limit)s KB.", limit=max_bytes // 1024))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJSON(_l("The request body is not valid UTF-8."), code="bad_encoding") from None
    if too_deep(data):
        raise BadJSON(_l("The request body nests more than %(depth)s levels deep.", depth=MAX_DEPTH),
                      code="body_too_deep")
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_float=_finite,
                           parse_constant=_no_constant)
    except (ValueError, RecursionError):  # syntax, or an integer of more than 4,300 digits
        raise BadJSON() from None
    if _SURROGATE_ESCAPE.search(data) and _lone_surrogate(value):  # half a surrogate pair is not text
        raise BadJSON(_l("The request body is not valid UTF-8."), code="bad_encoding")
    return value
