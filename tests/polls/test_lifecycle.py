"""Creating and editing polls (bad input refused clearly) and the open/close sweep."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.db import unit_of_work
from app.extensions import db
from app.polls import services
from app.polls.jobs import open_and_close_polls
from app.polls.models import Poll, Topic
from app.scheduler import JOBS
from tests import factories
from tests.polls.conftest import make_poll, assert_refused


def polls() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Poll.id)))


def _create(actor, **overrides):
    now = clock.now()
    values = {"title": "第32期选题", "opens_at": now + timedelta(days=1), "closes_at": now + timedelta(days=8),
              "votes_per_person": 2}
    values.update(overrides)
    return lambda: services.create_poll(actor, now=now, **values)


def test_the_coordinator_creates_a_draft_poll(world):
    with unit_of_work():
        poll = _create(world["actors"]["coordinator"])()
    assert (poll.state, poll.votes_per_person, poll.counts_visible) == ("draft", 2, True)


@pytest.mark.parametrize("overrides,code,message", [
    ({"title": ""}, "title_required", "Please enter the title."),
    ({"title": "   "}, "title_required", "Please enter the title."),
    ({"title": "题" * 121}, "title_too_long", "The title may have at most 120 characters."),
    ({"closes_at": clock.now()}, "poll_closes_before_opens", "The poll must close after it opens."),
    ({"votes_per_person": 0}, "votes_per_person_invalid", "Votes per person must be between 1 and 20."),
])
def test_bad_poll_input_is_refused(world, overrides, code, message):
    before = polls()
    assert_refused(_create(world["actors"]["coordinator"], **overrides), code, message)
    assert polls() == before


@pytest.mark.parametrize("role", ["public", "observer", "agency_staff"])
def test_only_the_coordinator_creates_polls(world, role):
    before = polls()
    assert_refused(_create(world["actors"][role]), "coordinator_only", "")
    assert polls() == before


@pytest.mark.parametrize("kwargs,code,message", [
    ({"title": "", "domain_code": "food"}, "title_required", "Please enter the title."),
    ({"title": "题" * 81, "domain_code": "food"}, "title_too_long", "at most 80 characters"),
    ({"title": "校园食堂", "domain_code": "nope"}, "domain_unknown", "Unknown domain."),
    ({"title": "校园食堂", "domain_code": "food", "place_kind": "moon"}, "place_kind_unknown", "Unknown kind of place."),
])
def test_bad_topics_are_refused(world, kwargs, code, message):
    before = db.session.scalar(select(func.count(Topic.id)))
    assert_refused(lambda: services.add_topic(world["actors"]["coordinator"], world["poll"].id, now=clock.now(),
                                       **kwargs), code, message)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Topic.id))) == before


def test_an_open_poll_keeps_its_rules(world):
    poll = world["poll"]
    assert_refused(lambda: services.update_poll(world["actors"]["coordinator"], poll.id, now=clock.now(),
                                         votes_per_person=5), "poll_field_locked", "Voting has started")
    assert_refused(lambda: services.update_poll(world["actors"]["coordinator"], poll.id, now=clock.now(),
                                         counts_visible=False), "poll_field_locked", "Voting has started")
    with unit_of_work():
        services.update_poll(world["actors"]["coordinator"], poll.id, now=clock.now(), title="改过的标题",
                             closes_at=poll.closes_at + timedelta(days=1))
    db.session.expire_all()
    assert (poll.title, poll.votes_per_person) == ("改过的标题", 2)


def test_the_sweep_is_registered():
    assert any(job_id == "polls_open_close" for job_id, _, _ in JOBS)


def test_a_draft_opens_at_its_time_with_two_topics_and_closes_at_its_end(app):
    poll = make_poll("draft", topics=2, opens_in=timedelta(minutes=10), closes_in=timedelta(days=1))
    lonely = make_poll("draft", topics=1, opens_in=timedelta(minutes=10), closes_in=timedelta(days=1),
                       domain=poll.topics[0].domain)
    db.session.commit()
    now = clock.now()

    with unit_of_work():
        assert open_and_close_polls(now) == ([], [])
    with unit_of_work():
        assert open_and_close_polls(now + timedelta(minutes=11)) == ([poll.id], [])
    with unit_of_work():  # safe to run twice
        assert open_and_close_polls(now + timedelta(minutes=12)) == ([], [])
    db.session.expire_all()
    assert (poll.state, lonely.state) == ("open", "draft")
    assert poll.opened_at == now + timedelta(minutes=11)

    with unit_of_work():
        assert open_and_close_polls(now + timedelta(days=2)) == ([], [poll.id])
    with unit_of_work():
        assert open_and_close_polls(now + timedelta(days=2, seconds=30)) == ([], [])
    db.session.expire_all()
    assert poll.state == "closed" and poll.closed_at == now + timedelta(days=2)


def test_a_poll_whose_time_passed_during_downtime_catches_up(app):
    due_open = make_poll("draft", opens_in=-timedelta(hours=5), closes_in=timedelta(hours=5))
    due_close = make_poll("open", opens_in=-timedelta(days=3), closes_in=-timedelta(hours=1),
                          domain=due_open.topics[0].domain)
    missed = make_poll("draft", opens_in=-timedelta(days=3), closes_in=-timedelta(days=1),
                       domain=due_open.topics[0].domain)
    db.session.commit()

    with unit_of_work():
        opened, closed = open_and_close_polls(clock.now())
    assert (opened, closed) == ([due_open.id], [due_close.id])
    db.session.expire_all()
    # a draft whose whole window passed is not opened into an empty poll: the coordinator re-dates it
    assert missed.state == "draft"


def test_draft_polls_are_hidden_from_the_public(world):
    draft = make_poll("draft", domain=factories.domain())
    db.session.commit()
    assert_refused(lambda: services.get_poll(world["actors"]["public"], draft.id), "poll_not_found", "No such poll.")
    assert services.get_poll(world["actors"]["coordinator"], draft.id).id == draft.id
