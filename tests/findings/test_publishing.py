"""Scheduled publishing: exactly once, nothing early, due-during-downtime published on the first run."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.findings import jobs
from app.findings.models import Finding, FollowUp
from app.notifications.models import Notification
from app.notifications.services import follow
from app.core.auth import actor_for
from tests.findings.helpers import NOW, finding, report, world


def _run(app, now):
    """One sweep run as the scheduler does it: its own app context and unit of work."""
    from app.core.db import unit_of_work

    with app.app_context():
        with unit_of_work():
            return jobs.publish_follow_ups(now)


def _published_notifications() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "follow_up_published"))


def test_nothing_is_published_before_its_time(app, users):
    w = world(users)
    f = finding(users, w)
    rid = report(users, [f], publish_at=NOW + timedelta(hours=5))

    assert _run(app, NOW + timedelta(hours=4, minutes=59)) == []

    db.session.expire_all()
    assert db.session.get(FollowUp, rid).state == "approved"
    assert db.session.get(Finding, f.id).state == "open"


def test_published_at_its_time_sets_the_findings_state(app, users):
    w = world(users)
    fixed, half = finding(users, w), finding(users, w, party_name="某超市")
    rid = report(users, [fixed], publish_at=NOW + timedelta(hours=5))
    rid2 = report(users, [half], outcome="partly_rectified", publish_at=NOW + timedelta(hours=5))
    at = NOW + timedelta(hours=5)

    assert _run(app, at) == [rid, rid2]

    db.session.expire_all()
    assert db.session.get(FollowUp, rid).published_at == at
    assert db.session.get(Finding, fixed.id).state == "rectified"
    assert db.session.get(Finding, fixed.id).rectified_at == at
    assert db.session.get(Finding, half.id).state == "partly_rectified"
    assert db.session.get(Finding, half.id).rectified_at is None


def test_running_the_sweep_twice_publishes_and_notifies_once(app, users):
    w = world(users)
    f = finding(users, w)
    follow(actor_for(users["public"]), "finding", f.id, now=NOW)
    follow(actor_for(users["public"]), "episode", w["episode"].id, now=NOW)  # same user: one notification
    follow(actor_for(users["observer"]), "agency", w["own"].id, now=NOW)
    db.session.commit()
    rid = report(users, [f], publish_at=NOW + timedelta(hours=1))

    first = _run(app, NOW + timedelta(hours=2))
    second = _run(app, NOW + timedelta(hours=3))

    assert (first, second) == ([rid], [])
    db.session.expire_all()
    assert db.session.get(FollowUp, rid).published_at == NOW + timedelta(hours=2)
    recipients = db.session.scalars(select(Notification.user_id)
                                    .where(Notification.kind == "follow_up_published")).all()
    assert sorted(recipients) == sorted([users["public"].id, users["observer"].id])


def test_two_concurrent_sweeps_publish_once(app, users):
    w = world(users)
    findings = [finding(users, w, party_name=f"单位{i}") for i in range(3)]
    follow(actor_for(users["public"]), "episode", w["episode"].id, now=NOW)
    db.session.commit()
    ids = [report(users, [f], publish_at=NOW + timedelta(minutes=i + 1)) for i, f in enumerate(findings)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(_run(app, NOW + timedelta(hours=1)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == [] and len(results) == 2
    assert sorted(i for r in results for i in r) == ids  # each report by exactly one sweep
    assert _published_notifications() == 3
    db.session.expire_all()
    assert {db.session.get(FollowUp, i).state for i in ids} == {"published"}


def test_a_report_due_during_downtime_is_published_at_the_first_run(app, users):
    w = world(users)
    f = finding(users, w)
    rid = report(users, [f], publish_at=NOW + timedelta(hours=1))
    back_up = NOW + timedelta(days=2)  # the server was down when it fell due

    from app.scheduler import run_all_once

    from unittest import mock
    with mock.patch("app.core.clock.now", return_value=back_up):
        run_all_once(app)

    db.session.expire_all()
    assert db.session.get(FollowUp, rid).state == "published"
    assert db.session.get(FollowUp, rid).published_at == back_up


def test_publish_now_publishes_at_approval(app, users):
    w = world(users)
    f = finding(users, w)

    rid = report(users, [f], publish_now=True)

    db.session.expire_all()
    published = db.session.get(FollowUp, rid)
    assert published.state == "published"
    assert published.publish_at == published.published_at == NOW


def test_publication_is_pushed_to_the_episode_room_after_commit(app, users, monkeypatch):
    from app.extensions import socketio
    from app.live.events import episode_room

    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, payload, to=None, namespace=None:
                        sent.append((event, payload, to, namespace)))
    w = world(users)
    f = finding(users, w)
    rid = report(users, [f], publish_at=NOW + timedelta(hours=1))

    _run(app, NOW + timedelta(hours=1))

    assert len(sent) == 1
    event, payload, room, namespace = sent[0]
    assert (event, room, namespace) == ("follow_up_published", episode_room(w["episode"].id), "/live")
    assert payload["id"] == rid and payload["outcomes"]["rectified"] == 1
