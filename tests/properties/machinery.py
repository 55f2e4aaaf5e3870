"""Shared pieces of the state-machine tests: settings, a clean world, and "refused changes nothing"."""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask_babel import force_locale
from hypothesis import HealthCheck, event, settings

from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.extensions import db

#: A fixed start; the machines move their own clock forward from here.
T0 = datetime(2031, 5, 1, 8, 0, tzinfo=timezone.utc)

#: Bounded and reproducible for CI; PROPERTY_EXAMPLES / PROPERTY_STEPS raise it for a longer hunt.
SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "30")),
    stateful_step_count=int(os.environ.get("PROPERTY_STEPS", "20")),
    deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


#: What the machines did, by outcome ("done: vote", "refused: poll_closed"); printed by each test
#: (see it with `pytest -s`), so a run that only ever hits refusals is noticed.
OUTCOMES: Counter = Counter()


def empty_database() -> None:
    """Start an example from empty tables (the `app` fixture does it once per test, not per example).

    On PostgreSQL, DELETE of the few rows an example wrote is ~50× faster than the fixture's
    TRUNCATE of every table: cyclic references (use_alter foreign keys) are cleared first,
    then tables are emptied dependents first.
    """
    from sqlalchemy import text, update

    from tests.conftest import _empty_tables, is_postgres

    db.session.rollback()
    if not is_postgres():
        _empty_tables()
        return
    for table in db.metadata.sorted_tables:
        cyclic = [fk.parent for fk in table.foreign_keys if fk.use_alter or fk.constraint.use_alter]
        if cyclic:
            values = {c.name: None for c in cyclic}
            if table.name == "polls":
                values["state"] = "closed"  # a decided poll must keep its topic (CHECK)
            db.session.execute(update(table).values(values))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f"DELETE FROM {table.name}"))
    db.session.commit()


def act(call: Callable[[], Any], expected: str | None, snapshot: Callable[[], Any]) -> Any:
    """Run one service call in its own unit of work.

    expected None: it must succeed. Otherwise it must raise a DomainError with that code and
    leave `snapshot()` exactly as it was (a refused action changes nothing).
    """
    before = snapshot() if expected else None
    try:
        with force_locale("en"), unit_of_work():
            result = call()
    except DomainError as error:
        db.session.expire_all()
        assert expected is not None, f"refused unexpectedly: {error.code} ({error.message})"
        assert error.code == expected, f"refused with {error.code}, expected {expected}"
        assert snapshot() == before, "a refused action changed the database"
        event(f"refused: {error.code}")
        OUTCOMES[f"refused: {error.code}"] += 1
        return None
    db.session.expire_all()
    assert expected is None, f"allowed, but should have been refused with {expected}"
    OUTCOMES["done"] += 1
    event("done")
    return result


def run_machine(machine: type) -> Counter:
    """Run a state machine under SETTINGS; returns (and prints) what it did."""
    from hypothesis.stateful import run_state_machine_as_test

    OUTCOMES.clear()
    run_state_machine_as_test(machine, settings=SETTINGS)
    print(machine.__name__, dict(sorted(OUTCOMES.items())))
    return OUTCOMES.copy()
