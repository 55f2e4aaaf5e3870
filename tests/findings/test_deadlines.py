"""Deadline reminders (3 days, 1 day), the one overdue notification, and derived overdue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.findings import jobs
from app.findings.models import Finding
from app.notifications.models import Notification
from tests.findings.helpers import NOW, finding, world

DEADLINE = NOW + timedelta(days=10)


def _kinds(user_id: int) -> list[str]:
    return list(db.session.scalars(select(Notification.dedupe_key).where(Notification.user_id == user_id)
                                   .where(Notification.kind.in_(("finding_deadline", "finding_overdue")))
                                   .order_by(Notification.id)))


def test_reminders_3_days_and_1_day_before_then_overdue_once(app, users):
    w = world(users)
    f = finding(users, w, rectify_by=DEADLINE)
    staff, coordinator = users["agency_staff"].id, users["coordinator"].id

    jobs.finding_deadlines(DEADLINE - timedelta(days=3, minutes=1))
    assert _kinds(staff) == []
    jobs.finding_deadlines(DEADLINE - timedelta(days=3))
    jobs.finding_deadlines(DEADLINE - timedelta(days=2))  # again: nothing new
    assert _kinds(staff) == [f"finding_deadline_3d:{f.id}"]
    jobs.finding_deadlines(DEADLINE - timedelta(hours=23))
    jobs.finding_deadlines(DEADLINE)  # at the deadline it is not yet overdue
    assert _kinds(staff) == [f"finding_deadline_3d:{f.id}", f"finding_deadline_1d:{f.id}"]
    assert _kinds(coordinator) == []
    jobs.finding_deadlines(DEADLINE + timedelta(minutes=1))
    jobs.finding_deadlines(DEADLINE + timedelta(days=1))
    db.session.commit()

    assert _kinds(staff)[-1] == f"finding_overdue:{f.id}"
    assert _kinds(coordinator) == [f"finding_overdue:{f.id}"]
    assert _kinds(users["public"].id) == []
    stored = db.session.get(Finding, f.id)
    assert stored.overdue_notified_at == DEADLINE + timedelta(minutes=1)
    assert stored.reminded_3d_at == DEADLINE - timedelta(days=3)


def test_a_short_deadline_gets_only_the_nearest_reminder(app, users):
    w = world(users)
    f = finding(users, w, rectify_by=NOW + timedelta(hours=20))

    jobs.finding_deadlines(NOW)

    assert _kinds(users["agency_staff"].id) == [f"finding_deadline_1d:{f.id}"]


def test_overdue_is_derived_from_the_deadline(app, users):
    w = world(users)
    f = finding(users, w, rectify_by=DEADLINE)

    assert not f.is_overdue(DEADLINE - timedelta(seconds=1))
    assert not f.is_overdue(DEADLINE)
    assert f.is_overdue(DEADLINE + timedelta(seconds=1))
    f.state, f.rectified_at = "rectified", DEADLINE
    assert not f.is_overdue(DEADLINE + timedelta(days=30))


def test_rectified_findings_get_no_reminders(app, users):
    w = world(users)
    f = finding(users, w, rectify_by=DEADLINE)
    f.state, f.rectified_at = "rectified", NOW
    db.session.commit()

    jobs.finding_deadlines(DEADLINE - timedelta(hours=1))
    jobs.finding_deadlines(DEADLINE + timedelta(hours=1))

    assert _kinds(users["agency_staff"].id) == []
