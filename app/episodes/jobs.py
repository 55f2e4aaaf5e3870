"""Scheduled sweeps of the episodes area: "remind me" notifications."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.episodes.models import Episode
from app.extensions import db
from app.notifications.services import followers, notify
from app.scheduler import sweep

#: Subscribers are reminded this long before an episode starts.
REMINDER_LEAD = timedelta(minutes=30)


@sweep("episode_reminders", 60)
def episode_reminders(now: datetime) -> int:
    """Notify followers of scheduled episodes starting within 30 minutes, once each (idempotent)."""
    due = db.session.scalars(select(Episode).where(
        Episode.state == "scheduled", Episode.scheduled_start > now,
        Episode.scheduled_start <= now + REMINDER_LEAD).order_by(Episode.id)).all()
    for episode in due:
        users = followers("episode", episode.id)
        if not users:
            continue
        minutes = max(1, int((episode.scheduled_start - now).total_seconds() // 60))
        with force_locale("zh"):
            title = gettext("Episode %(number)s starts soon: %(title)s", number=episode.number,
                            title=episode.title)
            body = gettext("The live starts in about %(minutes)s minutes.", minutes=minutes)
        notify(users, "episode_reminder", title, now=now, body=body, link=f"/episodes/{episode.id}",
               dedupe_key=f"episode:{episode.id}:reminder")
    return len(due)
