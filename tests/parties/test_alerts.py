"""Repeated-inspection alerts: more than N inspections within D days, across agencies and episodes."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.notifications.models import Notification
from app.parties import alerts
from app.parties.models import Inspection
from tests import factories
from tests.parties.helpers import NOW, episode_at, finding


def _alerts(user) -> list[Notification]:
    return db.session.query(Notification).filter_by(user_id=user.id, kind="party_repeated_inspection").all()


def test_the_inspection_over_the_limit_warns_the_coordinator_once_across_agencies(app, users, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_ALERT_MAX_INSPECTIONS", 2)
    monkeypatch.setitem(app.config, "PARTY_ALERT_WINDOW_DAYS", 30)
    own, other = users["agency_staff"].agency, factories.agency()
    db.session.commit()
    for days, agency in ((20, own), (10, other)):
        finding(users, episode_at(NOW - timedelta(days=days), [agency]), agency)
    assert _alerts(users["coordinator"]) == []  # two inspections: at the limit, not over it
    third = episode_at(NOW - timedelta(days=1), [other])
    f = finding(users, third, other)
    finding(users, third, other, description="第二个问题")  # same inspection: no second warning
    [warning] = _alerts(users["coordinator"])
    assert "3" in warning.title and warning.link == f"/parties/{f.party_id}"
    assert alerts.is_alerted(f.party_id, NOW)


def test_the_window_slides_with_the_clock(app, users, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_ALERT_MAX_INSPECTIONS", 2)
    monkeypatch.setitem(app.config, "PARTY_ALERT_WINDOW_DAYS", 30)
    agency = users["agency_staff"].agency
    for days in (25, 15, 5):
        f = finding(users, episode_at(NOW - timedelta(days=days), [agency]), agency)
    assert alerts.recent_count(f.party_id, NOW) == 3 and alerts.is_alerted(f.party_id, NOW)
    total, rows = alerts.alerted_parties(NOW)
    assert total == 1 and rows[0][0].id == f.party_id and rows[0][1] == 3
    later = NOW + timedelta(days=6)  # the oldest inspection (25 days ago) leaves the 30-day window
    assert alerts.recent_count(f.party_id, later) == 2 and not alerts.is_alerted(f.party_id, later)
    assert alerts.alerted_parties(later) == (0, [])


def test_inspections_spread_wider_than_the_window_never_warn(app, users, monkeypatch):
    monkeypatch.setitem(app.config, "PARTY_ALERT_MAX_INSPECTIONS", 2)
    monkeypatch.setitem(app.config, "PARTY_ALERT_WINDOW_DAYS", 30)
    agency = users["agency_staff"].agency
    for days in (100, 60, 20):
        finding(users, episode_at(NOW - timedelta(days=days), [agency]), agency)
    assert _alerts(users["coordinator"]) == []
    assert db.session.query(Inspection).filter(Inspection.alerted_at.is_not(None)).count() == 0
