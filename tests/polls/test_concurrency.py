"""Real threads submit votes at once: never two votes for one topic, never above the limit.

Each thread has its own app context (so its own database session and connection), as
concurrent requests do; a barrier releases them together. Runs on SQLite (WAL) and PostgreSQL.
"""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from app.core import clock
from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.extensions import db
from app.polls import services
from app.polls.models import Topic, Vote
from tests import factories
from tests.polls.conftest import make_poll


def _race(app, jobs: list[tuple]) -> Counter:
    """Run service votes (actor, poll_id, topic_id) at once; returns outcome counts."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(actor, poll_id, topic_id):
        with app.app_context():
            barrier.wait()
            try:
                with unit_of_work():
                    services.vote(actor, poll_id, topic_id, now=clock.now())
                result = "ok"
            except DomainError as error:
                result = error.code
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    return outcomes


def test_simultaneous_votes_for_one_topic_make_one_vote(app, users):
    poll = make_poll(votes_per_person=3)
    db.session.commit()
    actor = actor_for(users["public"])

    outcomes = _race(app, [(actor, poll.id, poll.topics[0].id)] * 12)

    assert outcomes == Counter({"ok": 1, "already_voted": 11})
    assert db.session.scalar(select(func.count(Vote.id))) == 1


def test_simultaneous_votes_for_many_topics_never_exceed_the_limit(app, users):
    domain = factories.domain()
    poll = make_poll(votes_per_person=2, topics=0, domain=domain)
    for i in range(8):
        db.session.add(Topic(poll_id=poll.id, title=f"T{i}", domain_id=domain.id, state="approved"))
    db.session.commit()
    actor = actor_for(users["public"])
    topic_ids = [t.id for t in poll.topics]

    outcomes = _race(app, [(actor, poll.id, tid) for tid in topic_ids])

    assert outcomes == Counter({"ok": 2, "vote_limit_reached": 6})
    slots = db.session.scalars(select(Vote.slot).where(Vote.user_id == actor.user_id)).all()
    assert sorted(slots) == [1, 2]


def test_many_users_racing_each_get_exactly_their_limit(app):
    domain = factories.domain()
    poll = make_poll(votes_per_person=2, topics=3, domain=domain)
    voters = [factories.user() for _ in range(10)]
    db.session.commit()
    topic_ids = [t.id for t in poll.topics]
    jobs = [(actor_for(v), poll.id, tid) for v in voters for tid in topic_ids]
    jobs += [(actor_for(v), poll.id, topic_ids[0]) for v in voters]  # and a double click each

    outcomes = _race(app, jobs)

    assert outcomes["ok"] == 20
    per_user = dict(db.session.execute(select(Vote.user_id, func.count(Vote.id)).group_by(Vote.user_id)).all())
    assert per_user == {v.id: 2 for v in voters}
    pairs = db.session.execute(select(Vote.user_id, Vote.topic_id)).all()
    assert len(pairs) == len(set(pairs)) == 20


def test_simultaneous_http_votes_never_exceed_the_limit(app, users):
    """The same user, logged in on 8 clients, posts 8 different votes at once through the API."""
    from tests.conftest import login
    from tests.security.helpers import meta_csrf

    domain = factories.domain()
    poll = make_poll(votes_per_person=3, topics=0, domain=domain)
    for i in range(8):
        db.session.add(Topic(poll_id=poll.id, title=f"T{i}", domain_id=domain.id, state="approved"))
    db.session.commit()
    topic_ids = [t.id for t in poll.topics]
    clients = []
    for _ in topic_ids:
        c = app.test_client()
        login(c, users["public"].username)
        clients.append((c, meta_csrf(c)))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(c, token, topic_id):
        with app.app_context():
            barrier.wait()
            response = c.post(f"/api/v1/polls/{poll.id}/votes", json={"topic_id": topic_id},
                              headers={"X-CSRFToken": token})
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=post, args=(c, token, tid)) for (c, token), tid in zip(clients, topic_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(statuses) == [201] * 3 + [409] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Vote.id))) == 3
