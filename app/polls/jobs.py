"""Scheduled sweep: polls open and close on time by themselves, and catch up after downtime."""
from __future__ import annotations

from datetime import datetime

from app.scheduler import sweep


@sweep("polls_open_close", 30)
def open_and_close_polls(now: datetime) -> tuple[list[int], list[int]]:
    """Open due drafts (with ≥2 approved topics) and close due open polls; safe to run twice."""
    from app.core.realtime import after_commit
    from app.polls.live import mark_dirty
    from app.polls.services import open_and_close_due

    opened, closed = open_and_close_due(now)
    for poll_id in opened + closed:
        after_commit(lambda pid=poll_id: mark_dirty(pid))
    return opened, closed
