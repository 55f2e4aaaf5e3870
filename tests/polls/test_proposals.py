"""Proposals: pending until reviewed, seen by proposer and coordinator; approve, reject with reason, merge."""
from __future__ import annotations

from sqlalchemy import func, select

from app.core import clock
from app.core.db import unit_of_work
from app.extensions import db
from app.notifications.models import Notification
from app.polls import proposals, queries, services
from app.polls.models import Topic, Vote
from tests.polls.conftest import make_poll, assert_refused, votes


def _propose(world, role="public", **overrides):
    values = {"title": "农贸市场活禽", "domain_code": "food", "why": "周末人多，卫生差"}
    values.update(overrides)
    return lambda: proposals.propose(world["actors"][role], world["poll"].id, now=clock.now(), **values)


def topics() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Topic.id)))


def test_a_proposal_is_pending_and_seen_only_by_its_proposer_and_the_coordinator(world):
    with unit_of_work():
        topic = _propose(world)()
    assert topic.state == "pending"
    poll, actors = world["poll"], world["actors"]
    assert topic.id in {t.id for t in queries.visible_topics(actors["public"], poll)}
    assert topic.id in {t.id for t in queries.visible_topics(actors["coordinator"], poll)}
    assert topic.id not in {t.id for t in queries.visible_topics(actors["observer"], poll)}
    from app.core.auth import ANONYMOUS

    assert topic.id not in {t.id for t in queries.visible_topics(ANONYMOUS, poll)}


def test_bad_proposals_are_refused(world):
    before = topics()
    assert_refused(_propose(world, title=""), "title_required", "Please enter the title.")
    assert_refused(_propose(world, title="长" * 81), "title_too_long", "at most 80 characters")
    assert_refused(_propose(world, domain_code="astrology"), "domain_unknown", "Unknown domain.")
    assert_refused(_propose(world, why=" "), "why_required", "Please say why this topic matters.")
    world["poll"].proposals_open = False
    db.session.commit()
    assert_refused(_propose(world), "proposals_closed", "This poll does not take proposals.")
    assert topics() == before


def test_approving_publishes_and_tells_the_proposer(world):
    with unit_of_work():
        topic = _propose(world)()
    with unit_of_work():
        proposals.approve(world["actors"]["coordinator"], world["poll"].id, topic.id, now=clock.now())
    assert topic.id in {t.id for t in queries.visible_topics(world["actors"]["observer"], world["poll"])}
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["users"]["public"].id))
    assert note.kind == "topic.approved"
    assert_refused(lambda: proposals.approve(world["actors"]["coordinator"], world["poll"].id, topic.id, now=clock.now()),
            "topic_already_reviewed", "This proposal has already been reviewed.")


def test_rejecting_needs_a_reason_that_the_proposer_sees(world):
    with unit_of_work():
        topic = _propose(world)()
    assert_refused(lambda: proposals.reject(world["actors"]["coordinator"], world["poll"].id, topic.id, reason="",
                                     now=clock.now()), "reason_required", "Please enter the reason.")
    with unit_of_work():
        proposals.reject(world["actors"]["coordinator"], world["poll"].id, topic.id, reason="与已有主题重复",
                         now=clock.now())
    db.session.expire_all()
    assert (topic.state, topic.rejection_reason) == ("rejected", "与已有主题重复")
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["users"]["public"].id))
    assert (note.kind, note.body) == ("topic.rejected", "与已有主题重复")


def test_only_the_coordinator_reviews(world):
    with unit_of_work():
        topic = _propose(world)()
    assert_refused(lambda: proposals.approve(world["actors"]["public"], world["poll"].id, topic.id, now=clock.now()),
            "coordinator_only", "")
    db.session.expire_all()
    assert topic.state == "pending"


def test_merging_carries_votes_over_without_double_votes(world):
    poll, actors, (a, b, c) = world["poll"], world["actors"], world["topics"]
    now = clock.now()
    with unit_of_work():
        services.vote(actors["public"], poll.id, a, now=now)      # voted for both a and b
        services.vote(actors["public"], poll.id, b, now=now)
        services.vote(actors["observer"], poll.id, a, now=now)    # only a
        services.vote(actors["admin"], poll.id, b, now=now)       # only b
    with unit_of_work():
        topic = proposals.merge(actors["coordinator"], poll.id, a, into_topic_id=b, now=now)
    assert (topic.state, topic.merged_into_id) == ("merged", b)
    rows = db.session.execute(select(Vote.user_id, Vote.topic_id)).all()
    assert sorted(rows) == sorted([(world["users"]["public"].id, b), (world["users"]["observer"].id, b),
                                   (world["users"]["admin"].id, b)])
    assert votes() == 3
    # the freed slot can be used again, never above the limit
    with unit_of_work():
        services.vote(actors["public"], poll.id, c, now=now)
    assert_refused(lambda: services.vote(actors["public"], poll.id, a, now=now), "topic_merged", "merged")


def test_a_merged_proposal_tells_the_proposer(world):
    with unit_of_work():
        topic = _propose(world)()
    with unit_of_work():
        proposals.merge(world["actors"]["coordinator"], world["poll"].id, topic.id,
                        into_topic_id=world["topics"][0], now=clock.now())
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["users"]["public"].id))
    assert note.kind == "topic.merged" and note.body == "主题1"


def test_merging_into_itself_or_a_pending_topic_is_refused(world):
    with unit_of_work():
        topic = _propose(world)()
    assert_refused(lambda: proposals.merge(world["actors"]["coordinator"], world["poll"].id, topic.id,
                                    into_topic_id=topic.id, now=clock.now()),
            "merge_target_invalid", "Merge into another approved topic of this poll.")
    other = make_poll(domain=db.session.get(Topic, world["topics"][0]).domain)
    db.session.commit()
    assert_refused(lambda: proposals.merge(world["actors"]["coordinator"], world["poll"].id, topic.id,
                                    into_topic_id=other.topics[0].id, now=clock.now()),
            "topic_not_found", "No such topic in this poll.")
