"""Recording findings, writing and reviewing reports, corrections, confirmations: the rules and bad input."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.auth import actor_for
from app.core.errors import Conflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.findings import reports, services
from app.findings.models import Finding, FindingConfirmation, FollowUp, FollowUpRevision
from app.notifications.models import Notification
from app.notifications.services import follow
from tests import factories
from tests.findings.helpers import NOW, finding, png, report, world


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def staff(users):
    return actor_for(users["agency_staff"])


def record(users, w, actor=None, **overrides):
    fields = dict(party_name="某餐馆", description="后厨脏乱", domain_id=w["own"].domains[0].id,
                  agency_id=w["own"].id, rectify_by=NOW + timedelta(days=7))
    fields.update(overrides)
    return services.record_finding(actor or staff(users), w["episode"].id, now=NOW, **fields)


def test_agency_staff_of_a_participating_agency_record_a_finding_with_photos(app, users):
    w = world(users)

    f = record(users, w, party_address="幸福路 1 号", area="龙华街道", severity="serious",
               replay_offset_seconds=610, photo_files=[(png(3000, 1000), "a.png")])
    db.session.commit()

    stored = db.session.get(Finding, f.id)
    assert (stored.party_name, stored.severity, stored.state, stored.replay_offset_seconds) == (
        "某餐馆", "serious", "open", 610)
    assert len(stored.photos) == 1


def test_a_finding_without_a_deadline_is_refused(app, users):
    w = world(users)

    with pytest.raises(ValidationFailed) as error:
        record(users, w, rectify_by=None)

    assert error.value.code == "rectify_by_required"
    assert "deadline" in str(error.value.message)


@pytest.mark.parametrize("overrides, code", [
    ({"party_name": "  "}, "party_name_required"),
    ({"description": ""}, "description_required"),
    ({"severity": "huge"}, "severity_invalid"),
    ({"rectify_by": NOW - timedelta(hours=1)}, "rectify_by_past"),
    ({"photo_files": [(b"not an image", "x.jpg")]}, "photo_invalid"),
])
def test_bad_findings_are_refused_and_nothing_is_stored(app, users, overrides, code):
    w = world(users)

    with pytest.raises(ValidationFailed) as error:
        record(users, w, **overrides)
    db.session.rollback()

    assert error.value.code == code
    assert count(Finding) == 0


def test_staff_of_an_agency_not_in_the_episode_may_not_record(app, users):
    outsider_agency = factories.agency()
    w = world(users)
    w["episode"].participations = [p for p in w["episode"].participations if p.agency_id != w["own"].id]
    db.session.commit()

    with pytest.raises(NotAllowed):
        record(users, w, agency_id=outsider_agency.id)


def test_agency_staff_record_for_their_own_agency_only(app, users):
    w = world(users)

    with pytest.raises(NotAllowed) as error:
        record(users, w, agency_id=w["other"].id)

    assert error.value.code == "finding_other_agency"


def test_a_report_on_another_agencys_finding_is_refused(app, users):
    w = world(users)
    theirs = finding(users, w, agency=w["other"])

    with pytest.raises(NotAllowed) as error:
        reports.create_report(staff(users), now=NOW, reinspected_on=date(2030, 2, 28), body="x",
                              outcomes=[reports.OutcomeInput(theirs.id, "rectified")],
                              publish_at=NOW + timedelta(days=1))
    db.session.rollback()

    assert error.value.code == "follow_up_other_agency"
    assert count(FollowUp) == 0


def test_a_publish_time_in_the_past_is_refused_with_publish_now_suggested(app, users):
    w = world(users)
    f = finding(users, w)

    with pytest.raises(ValidationFailed) as error:
        reports.create_report(staff(users), now=NOW, reinspected_on=date(2030, 2, 28), body="x",
                              outcomes=[reports.OutcomeInput(f.id, "rectified")], publish_at=NOW - timedelta(minutes=1))
    db.session.rollback()

    assert error.value.code == "publish_at_in_past"
    assert "publish now" in str(error.value.message)
    assert count(FollowUp) == 0


def test_not_rectified_needs_the_further_action(app, users):
    w = world(users)
    f = finding(users, w)

    with pytest.raises(ValidationFailed) as error:
        reports.create_report(staff(users), now=NOW, reinspected_on=date(2030, 2, 28), body="x",
                              outcomes=[reports.OutcomeInput(f.id, "not_rectified", " ")],
                              publish_at=NOW + timedelta(days=1))

    assert error.value.code == "further_action_required"


def test_a_bad_photo_leaves_no_half_saved_report(app, users):
    w = world(users)
    f = finding(users, w)

    with pytest.raises(ValidationFailed):
        reports.create_report(staff(users), now=NOW, reinspected_on=date(2030, 2, 28), body="x",
                              outcomes=[reports.OutcomeInput(f.id, "rectified")], publish_at=NOW + timedelta(days=1),
                              photo_files=[(png(), "ok.png"), (b"<svg/>", "bomb.png")])
    db.session.rollback()

    assert count(FollowUp) == 0


def test_the_coordinator_returns_a_report_with_a_reason_and_the_agency_resubmits(app, users):
    w = world(users)
    f = finding(users, w)
    rid = report(users, [f], approve=False)
    coordinator = actor_for(users["coordinator"])

    with pytest.raises(ValidationFailed):
        reports.review(coordinator, rid, now=NOW, decision="return", reason="")
    reports.review(coordinator, rid, now=NOW, decision="return", reason="缺少复查照片")
    db.session.commit()
    assert db.session.get(FollowUp, rid).state == "returned"
    assert db.session.scalar(select(Notification.body).where(Notification.kind == "follow_up_returned")) == "缺少复查照片"

    reports.update_report(staff(users), rid, now=NOW, reinspected_on=date(2030, 2, 28), body="补充照片",
                          outcomes=[reports.OutcomeInput(f.id, "rectified")], publish_at=NOW + timedelta(days=2),
                          photo_files=[(png(), "p.png")])
    db.session.commit()
    again = db.session.get(FollowUp, rid)
    assert (again.state, again.current.body_md, len(again.photos)) == ("submitted", "补充照片", 1)


def test_only_the_coordinator_reviews(app, users):
    w = world(users)
    rid = report(users, [finding(users, w)], approve=False)

    with pytest.raises(NotAllowed):
        reports.review(staff(users), rid, now=NOW, decision="approve")


def test_a_published_report_is_never_edited_in_place_but_corrected_with_a_reason(app, users):
    w = world(users)
    f = finding(users, w)
    rid = report(users, [f], publish_now=True)

    with pytest.raises(Conflict) as error:
        reports.update_report(staff(users), rid, now=NOW, reinspected_on=date(2030, 2, 28), body="改了",
                              outcomes=[reports.OutcomeInput(f.id, "rectified")], publish_now=True)
    assert error.value.code == "follow_up_published"
    db.session.rollback()
    with pytest.raises(ValidationFailed) as error:
        reports.correct(staff(users), rid, now=NOW, body="更正", reason=" ")
    assert error.value.code == "reason_required"
    db.session.rollback()

    reports.correct(staff(users), rid, now=NOW + timedelta(hours=1), body="更正后的文字", reason="日期写错")
    db.session.commit()

    revisions = db.session.scalars(select(FollowUpRevision).where(FollowUpRevision.follow_up_id == rid)
                                   .order_by(FollowUpRevision.number)).all()
    assert [(r.number, r.reason) for r in revisions] == [(1, None), (2, "日期写错")]
    assert revisions[0].body_md == "## 复查\n\n已整改。"  # the original is kept


def test_enough_not_rectified_reports_reopen_the_finding(app, users):
    app.config["FINDING_REOPEN_THRESHOLD"] = 2
    w = world(users)
    f = finding(users, w)
    report(users, [f], publish_now=True)
    a, b, c = (factories.user("public") for _ in range(3))
    for u in (a, b, c):
        follow(actor_for(u), "finding", f.id, now=NOW)
    db.session.commit()

    services.confirm(actor_for(a), f.id, now=NOW, verdict="confirmed")
    services.confirm(actor_for(b), f.id, now=NOW, verdict="not_rectified", reason="还是很脏",
                     photo=(png(), "p.jpg".replace("jpg", "png")))
    assert db.session.get(Finding, f.id).state == "rectified"
    services.confirm(actor_for(c), f.id, now=NOW, verdict="not_rectified", reason="没改")
    db.session.commit()

    assert db.session.get(Finding, f.id).state == "reopened"
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "finding_reopened")) \
        == users["coordinator"].id
    app.config["FINDING_REOPEN_THRESHOLD"] = 3


def test_confirmation_rules(app, users):
    w = world(users)
    f = finding(users, w)
    stranger = actor_for(users["public"])

    with pytest.raises(Conflict):  # nothing published yet
        services.confirm(stranger, f.id, now=NOW, verdict="confirmed")
    report(users, [f], publish_now=True)
    with pytest.raises(NotAllowed):  # neither follower nor observer
        services.confirm(stranger, f.id, now=NOW, verdict="confirmed")
    follow(stranger, "finding", f.id, now=NOW)
    with pytest.raises(ValidationFailed):  # not rectified needs a reason
        services.confirm(stranger, f.id, now=NOW, verdict="not_rectified", reason="")
    services.confirm(stranger, f.id, now=NOW, verdict="confirmed")
    with pytest.raises(Conflict):
        services.confirm(stranger, f.id, now=NOW, verdict="confirmed")
    assert count(FindingConfirmation) == 1


def test_the_episodes_observers_may_confirm(app, users):
    from app.observers.models import Invitation, Observer

    w = world(users)
    f = finding(users, w)
    report(users, [f], publish_now=True)
    observer = Observer(user_id=users["observer"].id, name="李代表", kind="deputy")
    db.session.add(observer)
    db.session.flush()
    db.session.add(Invitation(episode_id=w["episode"].id, observer_id=observer.id, token="t" * 20,
                              state="accepted", expires_at=NOW + timedelta(days=1)))
    db.session.commit()

    services.confirm(actor_for(users["observer"]), f.id, now=NOW, verdict="confirmed")
    assert count(FindingConfirmation) == 1


def test_the_coordinator_decides_on_a_reopened_finding(app, users):
    w = world(users)
    f = finding(users, w)
    report(users, [f], publish_now=True)
    f.state = "reopened"
    db.session.commit()
    coordinator = actor_for(users["coordinator"])

    with pytest.raises(NotAllowed):
        services.decide(staff(users), f.id, now=NOW, decision="uphold", reason="x")
    services.decide(coordinator, f.id, now=NOW, decision="reopen", reason="现场复核未整改")
    db.session.commit()

    assert (db.session.get(Finding, f.id).state, db.session.get(Finding, f.id).rectified_at) == ("open", None)
