"""The monthly bulletin sweep: on the 1st (or the first run after it) for the previous month, once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.auth import SYSTEM
from app.extensions import db
from app.scheduler import sweep
from app.stats import bulletins
from app.stats.models import Bulletin


@sweep("monthly_bulletin", 3600)
def monthly_bulletin(now: datetime) -> str | None:
    """Generate last month's bulletin unless it exists (UNIQUE month: a concurrent run loses quietly)."""
    month = bulletins.previous_month(now)
    if db.session.scalar(select(Bulletin.id).where(Bulletin.month == month)) is not None:
        return None
    try:
        with db.session.begin_nested():
            bulletins.generate(SYSTEM, month=month, now=now)
    except IntegrityError:
        return None
    return month
