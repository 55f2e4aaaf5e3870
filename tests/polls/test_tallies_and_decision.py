"""Offline tallies (audited, edits need a reason), results, hidden counts and the decision."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.core import clock
from app.core.db import unit_of_work
from app.episodes import services as episodes
from app.episodes.queries import episode_of
from app.extensions import db
from app.notifications.models import AuditLog, Notification
from app.polls import decisions, proposals, queries, services, tallies
from app.polls.models import OfflineTally
from tests import factories
from tests.polls.conftest import make_poll, assert_refused


def _tally(world, topic=0, count=40, **overrides):
    values = {"topic_id": world["topics"][topic], "source": "民治街道办事处", "collected_on": date.today(),
              "count": count}
    values.update(overrides)
    return lambda: tallies.add_tally(world["actors"]["coordinator"], world["poll"].id, now=clock.now(), **values)


def test_results_show_online_offline_and_total(world):
    with unit_of_work():
        services.vote(world["actors"]["public"], world["poll"].id, world["topics"][0], now=clock.now())
        _tally(world, count=40)()
        _tally(world, topic=1, count=5, source="纸质投票箱")()
    counted = queries.results(world["poll"])
    first, second, third = counted.topics
    assert (first.online, first.offline, first.total) == (1, 40, 41)
    assert (second.online, second.offline, second.total) == (0, 5, 5)
    assert (counted.online, counted.offline, counted.total, counted.voters) == (1, 45, 46, 1)
    assert counted.leaders == {world["topics"][0]}


def test_tallies_are_audited_and_edits_need_a_reason(world):
    with unit_of_work():
        tally = _tally(world)()
    assert_refused(lambda: tallies.edit_tally(world["actors"]["coordinator"], world["poll"].id, tally.id, reason="",
                                       count=50, now=clock.now()), "reason_required", "Please enter the reason.")
    db.session.expire_all()
    assert tally.count == 40
    with unit_of_work():
        tallies.edit_tally(world["actors"]["coordinator"], world["poll"].id, tally.id, reason="漏计一箱",
                           count=50, now=clock.now())
    db.session.expire_all()
    assert (tally.count, tally.edit_reason) == (50, "漏计一箱")
    log = db.session.scalars(select(AuditLog).where(AuditLog.target_kind == "offline_tally")
                             .order_by(AuditLog.id)).all()
    assert [e.action for e in log] == ["tally.add", "tally.edit"]
    assert log[1].reason == "漏计一箱" and log[1].data["before"]["count"] == 40 and log[1].data["after"]["count"] == 50


def test_bad_tallies_are_refused(world):
    assert_refused(_tally(world, count=-1), "count_invalid", "The count must be a whole number")
    assert_refused(_tally(world, source=""), "source_required", "Please enter the source.")
    assert_refused(_tally(world, collected_on=date.today() + timedelta(days=2)), "collected_on_future",
            "The collection date cannot be in the future.")
    assert_refused(lambda: tallies.add_tally(world["actors"]["public"], world["poll"].id, topic_id=world["topics"][0],
                                      source="x", collected_on=date.today(), count=1, now=clock.now()),
            "coordinator_only", "")
    assert db.session.scalar(select(func.count(OfflineTally.id))) == 0


def test_hidden_counts_stay_hidden_until_close(world):
    poll = world["poll"]
    poll.counts_visible = False
    db.session.commit()
    with unit_of_work():
        services.vote(world["actors"]["public"], poll.id, world["topics"][0], now=clock.now())
    hidden = queries.results(poll).as_dict()
    assert hidden == {"poll_id": poll.id, "state": "open", "counts_visible": False}
    poll.state = "closed"
    db.session.commit()
    shown = queries.results(poll).as_dict()
    assert shown["total"] == 1 and shown["topics"][0]["online"] == 1
    assert_refused(lambda: decisions.decide(world["actors"]["coordinator"], poll.id, topic_id=world["topics"][1],
                                     now=clock.now()), "decision_reason_required", "not the most voted")


def test_a_sealed_open_poll_cannot_be_decided_before_close(world):
    world["poll"].counts_visible = False
    db.session.commit()
    assert_refused(lambda: decisions.decide(world["actors"]["coordinator"], world["poll"].id,
                                     topic_id=world["topics"][0], now=clock.now()), "poll_counts_sealed", "sealed")


def _votes_for_first(world):
    with unit_of_work():
        for role in ("public", "observer"):
            services.vote(world["actors"][role], world["poll"].id, world["topics"][0], now=clock.now())
        services.vote(world["actors"]["admin"], world["poll"].id, world["topics"][1], now=clock.now())


def test_choosing_a_topic_that_did_not_lead_needs_a_public_reason(world):
    _votes_for_first(world)
    coordinator, poll = world["actors"]["coordinator"], world["poll"]
    assert_refused(lambda: decisions.decide(coordinator, poll.id, topic_id=world["topics"][1], reason=" ",
                                     now=clock.now()), "decision_reason_required",
            "This topic was not the most voted: please give a public reason for choosing it.")
    db.session.expire_all()
    assert poll.state == "open" and poll.decided_topic_id is None
    with unit_of_work():
        decisions.decide(coordinator, poll.id, topic_id=world["topics"][1], reason="结合12345热线投诉量",
                         now=clock.now())
    db.session.expire_all()
    assert (poll.state, poll.decided_topic_id, poll.decision_reason) == ("decided", world["topics"][1],
                                                                          "结合12345热线投诉量")
    assert poll.closed_at is not None and poll.decided_by_id == world["users"]["coordinator"].id


def test_deciding_the_leader_notifies_voters_and_the_proposer_once(world):
    with unit_of_work():
        proposed = proposals.propose(world["actors"]["agency_staff"], world["poll"].id, now=clock.now(),
                                     title="校园周边小吃", domain_code="food", why="学生反映")
    with unit_of_work():
        proposals.approve(world["actors"]["coordinator"], world["poll"].id, proposed.id, now=clock.now())
    with unit_of_work():
        for role in ("public", "observer"):
            services.vote(world["actors"][role], world["poll"].id, proposed.id, now=clock.now())
    world["poll"].state = "closed"
    db.session.commit()
    with unit_of_work():
        decisions.decide(world["actors"]["coordinator"], world["poll"].id, topic_id=proposed.id, now=clock.now())
    assert_refused(lambda: decisions.decide(world["actors"]["coordinator"], world["poll"].id, topic_id=proposed.id,
                                     now=clock.now()), "poll_decided", "already been decided")
    notified = db.session.scalars(select(Notification.user_id).where(Notification.kind == "poll.decided")).all()
    users = world["users"]
    assert sorted(notified) == sorted([users["public"].id, users["observer"].id, users["agency_staff"].id])


def test_the_episode_is_created_from_the_decision_and_linked_for_good(world):
    _votes_for_first(world)
    poll, coordinator = world["poll"], world["actors"]["coordinator"]
    agency = factories.agency()
    db.session.commit()
    assert_refused(lambda: episodes.create_episode_from_decision(
        coordinator, poll.id, title="x", agency_ids=[agency.id], scheduled_start=clock.now() + timedelta(days=7),
        now=clock.now()), "poll_not_decided", "Decide the topic first.")
    with unit_of_work():
        decisions.decide(coordinator, poll.id, topic_id=world["topics"][0], now=clock.now())
    with unit_of_work():
        episode = episodes.create_episode_from_decision(
            coordinator, poll.id, title="第32期 农贸市场", agency_ids=[agency.id],
            scheduled_start=clock.now() + timedelta(days=7), now=clock.now())
    assert (episode.state, episode.topic_id) == ("draft", world["topics"][0])
    assert episode_of(poll).id == episode.id
    assert_refused(lambda: episodes.create_episode_from_decision(
        coordinator, poll.id, title="again", agency_ids=[agency.id],
        scheduled_start=clock.now() + timedelta(days=7), now=clock.now()), "episode_exists", "already been created")


def test_a_draft_cannot_be_decided(app, users):
    from app.core.auth import actor_for

    poll = make_poll("draft")
    db.session.commit()
    assert_refused(lambda: decisions.decide(actor_for(users["coordinator"]), poll.id, topic_id=poll.topics[0].id,
                                     now=clock.now()), "poll_not_open", "never opened")
