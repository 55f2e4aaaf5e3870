"""Poll fixtures: a domain, an open poll with approved topics, and the actors."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.polls.models import Poll, Topic, Vote
from tests import factories


def make_poll(state: str = "open", *, topics: int = 3, votes_per_person: int = 2, counts_visible: bool = True,
              opens_in: timedelta = -timedelta(days=1), closes_in: timedelta = timedelta(days=5),
              domain=None, **fields) -> Poll:
    """A poll in the given state with `topics` approved topics (committed by the caller)."""
    now = clock.now()
    domain = domain or factories.domain("food")
    poll = Poll(title=fields.pop("title", "下一期查什么？"), opens_at=now + opens_in, closes_at=now + closes_in,
                votes_per_person=votes_per_person, counts_visible=counts_visible, state=state,
                opened_at=now + opens_in if state != "draft" else None, **fields)
    db.session.add(poll)
    db.session.flush()
    for i in range(topics):
        db.session.add(Topic(poll_id=poll.id, title=f"主题{i + 1}", domain_id=domain.id, state="approved"))
    db.session.flush()
    return poll


@pytest.fixture
def world(app, users):
    """An open poll (2 votes per person, 3 approved topics) and an actor per role."""
    poll = make_poll()
    db.session.commit()
    actors = {role: actor_for(user) for role, user in users.items()}
    return {"poll": poll, "topics": [t.id for t in poll.topics], "actors": actors, "users": users}


def votes() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Vote.id)))


def assert_refused(call, code: str, message: str) -> DomainError:
    """The call is refused with code and message, and the session is rolled back."""
    with pytest.raises(DomainError) as info:
        with unit_of_work():
            call()
    assert info.value.code == code
    with force_locale("en"):
        assert message in str(info.value.message)
    return info.value


@pytest.fixture(autouse=True)
def _fresh_live_results():
    """Each test starts with no pending live results (they are per process)."""
    from app.polls import live

    live._dirty.clear()
    live.batcher.drain()
    yield
