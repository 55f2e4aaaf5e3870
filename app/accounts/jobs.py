"""Sweeps of the accounts area: forget sessions that have ended."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from app.accounts.models import UserSession
from app.extensions import db
from app.scheduler import sweep

#: Ended sessions are kept this long (a log-out shows in support questions for a day), then deleted.
ENDED_SESSION_RETENTION = timedelta(days=1)


@sweep("prune_ended_sessions", 3600)
def prune_ended_sessions(now: datetime) -> int:
    """Delete session rows ended more than a day ago; a cookie naming a deleted row is refused too."""
    done = db.session.execute(delete(UserSession).where(
        UserSession.ended_at.is_not(None), UserSession.ended_at < now - ENDED_SESSION_RETENTION))
    return done.rowcount or 0
