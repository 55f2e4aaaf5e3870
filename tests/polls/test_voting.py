"""Voting rules: window, limit, once per topic, approved topics only, withdrawal; nothing counted on refusal."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.core.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.polls import services
from app.polls.models import Topic, Vote
from tests import factories
from tests.polls.conftest import make_poll, assert_refused, votes


def test_a_vote_takes_the_smallest_free_slot(world):
    actor, poll = world["actors"]["public"], world["poll"]
    with unit_of_work():
        first = services.vote(actor, poll.id, world["topics"][0], now=clock.now())
    with unit_of_work():
        second = services.vote(actor, poll.id, world["topics"][1], now=clock.now())
    assert (first.slot, second.slot) == (1, 2)
    with unit_of_work():
        services.withdraw(actor, poll.id, world["topics"][0], now=clock.now())
    with unit_of_work():
        third = services.vote(actor, poll.id, world["topics"][2], now=clock.now())
    assert third.slot == 1
    assert services.my_votes(actor, poll.id) == {world["topics"][1], world["topics"][2]}


def test_voting_twice_for_one_topic_is_refused(world):
    actor, poll, topic = world["actors"]["public"], world["poll"], world["topics"][0]
    with unit_of_work():
        services.vote(actor, poll.id, topic, now=clock.now())
    assert_refused(lambda: services.vote(actor, poll.id, topic, now=clock.now()), "already_voted",
            "You have already voted for this topic.")
    assert votes() == 1


def test_voting_above_the_limit_is_refused(world):
    actor, poll, topics = world["actors"]["public"], world["poll"], world["topics"]
    for topic in topics[:2]:
        with unit_of_work():
            services.vote(actor, poll.id, topic, now=clock.now())
    assert_refused(lambda: services.vote(actor, poll.id, topics[2], now=clock.now()), "vote_limit_reached",
            "You have used all 2 of your votes in this poll.")
    assert votes() == 2


def test_voting_before_the_window_is_refused(app, users):
    poll = make_poll("draft", opens_in=timedelta(hours=2))
    db.session.commit()
    actor = actor_for(users["public"])
    # a draft is invisible to the public: not found, not merely closed
    assert_refused(lambda: services.vote(actor, poll.id, poll.topics[0].id, now=clock.now()), "poll_not_found",
            "No such poll.")
    poll.state = "open"
    db.session.commit()
    assert_refused(lambda: services.vote(actor, poll.id, poll.topics[0].id, now=clock.now()), "poll_not_open",
            "This poll is not open for voting yet.")
    assert votes() == 0


def test_voting_after_the_close_time_is_refused_even_before_the_sweep(world):
    actor, poll = world["actors"]["public"], world["poll"]
    later = poll.closes_at + timedelta(seconds=1)
    assert_refused(lambda: services.vote(actor, poll.id, world["topics"][0], now=later), "poll_closed",
            "This poll is closed; votes are no longer accepted.")
    assert votes() == 0


@pytest.mark.parametrize("state", ["closed", "decided"])
def test_voting_on_a_closed_poll_is_refused(app, users, state):
    poll = make_poll("closed")
    if state == "decided":
        poll.state, poll.decided_topic_id = "decided", poll.topics[0].id
    db.session.commit()
    assert_refused(lambda: services.vote(actor_for(users["public"]), poll.id, poll.topics[0].id, now=clock.now()),
            "poll_closed", "This poll is closed; votes are no longer accepted.")
    assert votes() == 0


@pytest.mark.parametrize("state,code,message", [
    ("rejected", "topic_not_votable", "This topic is not open for voting."),
    ("pending", "topic_not_votable", "This topic is not open for voting."),
    ("merged", "topic_merged", "This topic was merged into another one"),
])
def test_voting_for_a_topic_that_is_not_approved_is_refused(world, state, code, message):
    topic = db.session.get(Topic, world["topics"][0])
    topic.state = state
    topic.rejection_reason = "重复" if state == "rejected" else None
    topic.merged_into_id = world["topics"][1] if state == "merged" else None
    db.session.commit()
    assert_refused(lambda: services.vote(world["actors"]["public"], world["poll"].id, topic.id, now=clock.now()),
            code, message)
    assert votes() == 0


def test_a_topic_of_another_poll_is_not_found(world):
    other = make_poll(domain=db.session.get(Topic, world["topics"][0]).domain)
    db.session.commit()
    with pytest.raises(NotFound):
        services.vote(world["actors"]["public"], world["poll"].id, other.topics[0].id, now=clock.now())
    assert votes() == 0


def test_anonymous_cannot_vote(world):
    from app.core.auth import ANONYMOUS

    assert_refused(lambda: services.vote(ANONYMOUS, world["poll"].id, world["topics"][0], now=clock.now()),
            "login_required", "Please log in first.")


def test_withdraw_until_close_only(world):
    actor, poll, topic = world["actors"]["public"], world["poll"], world["topics"][0]
    with unit_of_work():
        services.vote(actor, poll.id, topic, now=clock.now())
    assert_refused(lambda: services.withdraw(actor, poll.id, topic, now=poll.closes_at), "poll_closed",
            "This poll is closed")
    assert votes() == 1
    assert_refused(lambda: services.withdraw(actor, poll.id, world["topics"][1], now=clock.now()), "vote_not_found",
            "You have not voted for this topic.")
    with unit_of_work():
        services.withdraw(actor, poll.id, topic, now=clock.now())
    assert votes() == 0


def test_each_user_has_their_own_limit(world):
    poll = world["poll"]
    for role in ("public", "observer", "coordinator"):
        with unit_of_work():
            services.vote(world["actors"][role], poll.id, world["topics"][0], now=clock.now())
    assert votes() == 3
    assert isinstance(factories, object)  # factories import kept for helpers below


def test_conflict_class_for_refusals(world):
    actor, poll, topic = world["actors"]["public"], world["poll"], world["topics"][0]
    with unit_of_work():
        services.vote(actor, poll.id, topic, now=clock.now())
    with pytest.raises(Conflict):
        services.vote(actor, poll.id, topic, now=clock.now())
