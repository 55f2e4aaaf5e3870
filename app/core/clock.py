"""The one source of "now": services take `now` as an argument; callers ask here."""
from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)
