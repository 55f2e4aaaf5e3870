"""The one source of "now" (services take `now` as an argument; callers ask here) and the display zone."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def display_zone() -> ZoneInfo:
    """The time zone people type times in (DISPLAY_TIMEZONE, Asia/Shanghai)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def to_utc(local: datetime) -> datetime:
    """A wall-clock time typed in the display zone, as aware UTC."""
    return local.replace(tzinfo=display_zone()).astimezone(timezone.utc)


def to_local(value: datetime) -> datetime:
    """An aware UTC time as naive wall-clock time in the display zone (for the input)."""
    return value.astimezone(display_zone()).replace(tzinfo=None)
