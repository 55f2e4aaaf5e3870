"""Notifications are deduplicated; follows are idempotent; audit entries record the actor."""
from __future__ import annotations

from sqlalchemy import func, select

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.notifications import services
from app.notifications.models import AuditLog, Notification, Subscription
from tests import factories


def test_notify_twice_with_one_dedupe_key_notifies_once(app):
    a, b = factories.user(), factories.user()
    for _ in range(2):
        services.notify([a.id, b.id, a.id], "episode_reminder", "即将开播", now=clock.now(),
                        dedupe_key="episode:1:reminder")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_follow_is_idempotent_and_unfollow_removes(app):
    user = factories.user()
    actor = actor_for(user)
    services.follow(actor, "episode", 7, now=clock.now())
    services.follow(actor, "episode", 7, now=clock.now())
    db.session.commit()
    assert services.followers("episode", 7) == [user.id]
    services.unfollow(actor, "episode", 7)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_audit_records_actor_action_and_reason(app):
    coordinator = factories.user("coordinator")
    services.audit(actor_for(coordinator), "tally.edit", "offline_tally", 3, now=clock.now(),
                   reason="录入错误", data={"before": 10, "after": 12})
    db.session.commit()
    entry = db.session.scalars(select(AuditLog)).one()
    assert (entry.actor_id, entry.action, entry.reason, entry.data["after"]) == (coordinator.id, "tally.edit", "录入错误", 12)
