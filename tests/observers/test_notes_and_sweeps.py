"""Observer notes, answers, overdue sweep, invitation reminders, rotation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.models import Notification
from app.observers import jobs, notes, queries, services
from app.observers.models import Invitation, Observer, ObserverNote
from tests import factories
from tests.observers.conftest import run
from tests.observers.test_invitations import assert_refused


def go_live(world):
    world["episode"].state = "live"
    db.session.commit()


def write(world, **kw):
    kw.setdefault("agency_id", world["episode"].agencies[0].id)
    kw.setdefault("aspect", "procedure")
    kw.setdefault("body", "执法人员未出示执法证件即开始检查。")
    return run(notes.post_note, world["obs"], world["episode"].id, **kw)


def test_an_accepted_observer_writes_a_note_during_the_live(world, accepted, users):
    go_live(world)
    now = clock.now()

    note = write(world, now=now)

    assert note.visibility == "public"
    assert note.answer_due == now.replace(microsecond=note.answer_due.microsecond) + timedelta(days=7)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "observer_note")))
    assert told == {users["agency_staff"].id, users["coordinator"].id, users["admin"].id}


def test_notes_from_non_observers_are_refused(world, accepted):
    go_live(world)
    for who in ("public", "staff", "coord"):
        assert_refused("note_observers_only", notes.post_note, world[who], world["episode"].id,
                agency_id=world["episode"].agencies[0].id, aspect="procedure", body="x")


def test_notes_from_an_observer_not_accepted_for_this_episode_are_refused(world):
    go_live(world)
    run(services.invite, world["coord"], world["episode"].id, world["observer"].id)  # pending only
    assert_refused("note_not_invited", notes.post_note, world["obs"], world["episode"].id,
            agency_id=world["episode"].agencies[0].id, aspect="procedure", body="x")


def test_notes_wait_for_the_live_and_go_to_a_participating_agency(world, accepted):
    assert_refused("note_too_early", notes.post_note, world["obs"], world["episode"].id,
            agency_id=world["episode"].agencies[0].id, aspect="procedure", body="x")
    go_live(world)
    outsider = factories.agency()
    db.session.commit()
    assert_refused("note_agency_invalid", notes.post_note, world["obs"], world["episode"].id, agency_id=outsider.id,
            aspect="procedure", body="x")
    assert_refused("note_body_invalid", notes.post_note, world["obs"], world["episode"].id,
            agency_id=world["episode"].agencies[0].id, aspect="procedure", body="   ")


def test_the_addressed_agency_answers_and_the_observer_is_told(world, accepted, users):
    go_live(world)
    note = write(world)

    run(notes.answer, world["staff"], note.id, "已对相关人员进行培训。")

    stored = db.session.get(ObserverNote, note.id)
    assert stored.answer_body == "已对相关人员进行培训。" and stored.answered_by_id == users["agency_staff"].id
    assert db.session.scalar(select(Notification).where(Notification.user_id == users["observer"].id,
                                                        Notification.kind == "observer_note_answered"))
    assert_refused("note_already_answered", notes.answer, world["staff"], note.id, "again")


def test_another_agency_cannot_answer(world, accepted):
    go_live(world)
    note = write(world)

    assert_refused("note_wrong_agency", notes.answer, world["other_staff_actor"], note.id, "不是我们的")
    assert_refused("note_agency_only", notes.answer, world["coord"], note.id, "协调人不能代答")
    assert_refused("note_agency_only", notes.answer, world["obs"], note.id, "x")


def test_coordinator_sets_the_deadline(world, accepted):
    go_live(world)
    note = write(world)
    due = clock.now() + timedelta(days=3)

    run(notes.set_due, world["coord"], note.id, due)

    assert db.session.get(ObserverNote, note.id).answer_due.replace(microsecond=0) == due.replace(microsecond=0)
    assert_refused("note_due_invalid", notes.set_due, world["coord"], note.id, note.created_at - timedelta(days=1))
    assert_refused("observer_coordinator_only", notes.set_due, world["staff"], note.id, due)


def test_overdue_sweep_flags_once_and_notifies_agency_and_coordinators(world, accepted, users):
    go_live(world)
    note = write(world)
    later = clock.now() + timedelta(days=8)

    with_uow = lambda: run(jobs.overdue_notes, now=later)  # noqa: E731
    assert with_uow() == 1
    assert with_uow() == 0  # idempotent: flagged once

    stored = db.session.get(ObserverNote, note.id)
    assert stored.overdue_notified_at is not None
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "observer_note_overdue")))
    assert told == {users["agency_staff"].id, users["coordinator"].id, users["admin"].id}
    assert world["other_staff"].id not in told


def test_answered_or_not_yet_due_notes_are_not_flagged(world, accepted):
    go_live(world)
    answered = write(world)
    write(world)
    run(notes.answer, world["staff"], answered.id, "ok")

    assert run(jobs.overdue_notes, now=clock.now() + timedelta(days=1)) == 0
    assert run(jobs.overdue_notes, now=clock.now() + timedelta(days=8)) == 1


def test_reminders_24_hours_before_once(world, users):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)  # no account: no reminder
    start = world["episode"].scheduled_start

    assert run(jobs.invitation_reminders, now=start - timedelta(hours=30)) == 0
    assert run(jobs.invitation_reminders, now=start - timedelta(hours=20)) == 1
    assert run(jobs.invitation_reminders, now=start - timedelta(hours=10)) == 0

    assert db.session.get(Invitation, inv.id).reminded_at is not None
    count = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == users["observer"].id, Notification.kind == "observer_reminder"))
    assert count == 1


def test_revoked_and_declined_invitations_get_no_reminder(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.respond, world["obs"], inv.id, False)

    assert run(jobs.invitation_reminders, now=world["episode"].scheduled_start - timedelta(hours=1)) == 0


def test_rotation_counts_and_due_supervisors(world, users):
    now = clock.now()
    past = [factories.episode("closed", start=now - timedelta(days=d)) for d in (200, 100, 50, 20, 10)]
    idle = Observer(name="赵监督员", kind="supervisor")
    db.session.add(idle)
    db.session.flush()
    # stranger (supervisor) attended the episode 200 days ago only; observer (deputy) attended 10 days ago
    db.session.add_all([
        Invitation(episode_id=past[0].id, observer_id=world["stranger"].id, token="t1", state="accepted",
                   expires_at=past[0].scheduled_start, checked_in_at=past[0].scheduled_start),
        Invitation(episode_id=past[4].id, observer_id=world["observer"].id, token="t2", state="accepted",
                   expires_at=past[4].scheduled_start, checked_in_at=past[4].scheduled_start),
        Invitation(episode_id=past[3].id, observer_id=world["observer"].id, token="t3", state="declined",
                   expires_at=past[3].scheduled_start)])
    db.session.commit()

    rows = {r.observer.name: r for r in queries.rotation(now)}

    assert (rows["张代表"].invited, rows["张代表"].attended) == (2, 1)
    assert rows["张代表"].due is False  # not a supervisor
    assert rows["李监督员"].due is True and rows["李监督员"].attended == 1
    assert rows["赵监督员"].due is True and rows["赵监督员"].invited_this_year is False
    assert queries.rotation(now)[0].due  # due ones first


def test_a_supervisor_invited_recently_is_not_due(world):
    run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)

    rows = {r.observer.name: r for r in queries.rotation(clock.now())}

    assert rows["李监督员"].due is False and rows["李监督员"].invited_this_year is True
