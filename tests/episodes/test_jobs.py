"""The "remind me" sweep: once, inside the 30-minute window, idempotent."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core import clock
from app.core.auth import actor_for
from app.episodes import services
from app.episodes.jobs import episode_reminders
from app.extensions import db
from app.notifications.models import Notification
from tests import factories


def _notes(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_reminder_sent_once_inside_the_window(app, users):
    start = clock.now().replace(microsecond=0) + timedelta(days=1)
    episode = factories.episode("scheduled", start=start, title="夜市食品安全")
    other = factories.episode("scheduled", start=start + timedelta(hours=3))
    for target in (episode, other):
        services.remind_me(actor_for(users["public"]), target.id, now=clock.now())
    db.session.commit()

    episode_reminders(start - timedelta(minutes=31))
    db.session.commit()
    assert _notes(users["public"].id) == []

    episode_reminders(start - timedelta(minutes=29))
    episode_reminders(start - timedelta(minutes=28))
    db.session.commit()
    notes = _notes(users["public"].id)
    assert len(notes) == 1
    assert notes[0].kind == "episode_reminder" and "夜市食品安全" in notes[0].title
    assert notes[0].link == f"/episodes/{episode.id}"
    assert notes[0].dedupe_key == f"episode:{episode.id}:reminder"
    assert _notes(users["observer"].id) == []


def test_no_reminder_for_started_or_unpublished_episodes(app, users):
    start = clock.now().replace(microsecond=0) + timedelta(days=1)
    live = factories.episode("live", start=start)
    draft = factories.episode("draft", start=start)
    db.session.commit()
    from app.notifications.models import Subscription

    for target in (live, draft):
        db.session.add(Subscription(user_id=users["public"].id, target_kind="episode", target_id=target.id))
    db.session.commit()
    episode_reminders(start - timedelta(minutes=10))
    episode_reminders(start + timedelta(minutes=1))
    db.session.commit()
    assert _notes(users["public"].id) == []


def test_unsubscribed_users_are_not_reminded(app, users):
    start = clock.now().replace(microsecond=0) + timedelta(days=1)
    episode = factories.episode("scheduled", start=start)
    actor = actor_for(users["public"])
    services.remind_me(actor, episode.id, now=clock.now())
    services.remind_me(actor, episode.id, now=clock.now(), on=False)
    db.session.commit()
    episode_reminders(start - timedelta(minutes=5))
    db.session.commit()
    assert _notes(users["public"].id) == []
