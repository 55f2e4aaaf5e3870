"""Scheduler sweeps of the follow-up loop (each safe to run twice or concurrently)."""
from __future__ import annotations

from datetime import datetime

from app.findings.publishing import publish_due, remind_deadlines
from app.scheduler import sweep


@sweep("publish_follow_ups", 30)
def publish_follow_ups(now: datetime) -> list[int]:
    """Publish approved follow-up reports whose publish time has come."""
    return publish_due(now)


@sweep("finding_deadlines", 300)
def finding_deadlines(now: datetime) -> dict[str, int]:
    """Deadline reminders (3 days, 1 day) and the one overdue notification."""
    return remind_deadlines(now)
