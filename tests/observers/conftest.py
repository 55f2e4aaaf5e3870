"""Observer fixtures: a scheduled episode with two agencies, a registry entry linked to the observer user."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.core.auth import actor_for
from app.core.db import unit_of_work
from app.extensions import db
from app.observers.models import Invitation, Observer
from tests import factories


def actor(user):
    """The Actor of a user."""
    return actor_for(user)


@pytest.fixture
def world(app, users):
    """Episode (scheduled, tomorrow) of the agency_staff user's agency (lead) and another agency."""
    other = factories.agency()
    episode = factories.episode("scheduled", agencies=[users["agency_staff"].agency, other],
                                start=clock.now() + timedelta(days=1), observer_capacity=2)
    observer = Observer(name="张代表", kind="deputy", organisation="区人大", contact="13800000000",
                        user_id=users["observer"].id)
    stranger = Observer(name="李监督员", kind="supervisor", organisation="市司法局特邀")
    db.session.add_all([observer, stranger])
    other_staff = factories.user("agency_staff", agency_obj=other)
    db.session.commit()
    return {"episode": episode, "observer": observer, "stranger": stranger, "other_agency": other,
            "other_staff": other_staff, "coord": actor(users["coordinator"]), "obs": actor(users["observer"]),
            "staff": actor(users["agency_staff"]), "other_staff_actor": actor(other_staff),
            "public": actor(users["public"])}


def run(fn, *args, **kwargs):
    """Call a service in a unit of work with now=clock.now() unless given."""
    kwargs.setdefault("now", clock.now())
    with unit_of_work():
        return fn(*args, **kwargs)


@pytest.fixture
def accepted(world):
    """The linked observer invited and accepted."""
    from app.observers import services

    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.respond, world["obs"], inv.id, True)
    return db.session.get(Invitation, inv.id)
