"""The migrations build exactly the models' schema, tear it down, and build it again;
the constraints they create hold in the database itself.

The round trip runs on a database of its own: a SQLite file, or on PostgreSQL a
database created next to the suite's (DATABASE_URL) and dropped afterwards.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.extensions import db, migrate
from app.library.search import outside_models
from app.polls.models import Poll, Topic, Vote
from tests import factories
from tests.live_server import create_pg_database, drop_pg_database, suite_database_url

VERSION_TABLE = "alembic_version"


@pytest.fixture
def migration_app(_app, tmp_path):
    """A bare Flask app with only the database and Alembic bound, on an empty database."""
    pg_url = create_pg_database("zhibo_migr") if suite_database_url() else None
    url = pg_url or f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = Flask("zhibo_migrations_test")
    app.config.update(SQLALCHEMY_DATABASE_URI=url)
    db.init_app(app)
    settings = _app.extensions["migrate"]  # same directory and context options as create_app's
    migrate.init_app(app, db, directory=settings.directory, **settings.configure_args)
    try:
        with app.app_context():
            yield app
            db.engine.dispose()
    finally:
        if pg_url:
            drop_pg_database(pg_url)


def _schema_objects() -> dict[str, list[str]]:
    """What is left in the database besides Alembic's version table."""
    inspector = inspect(db.engine)
    # the SQLite FTS5 search table and its shadow tables are the migration's, outside the models
    left = {"tables": [t for t in inspector.get_table_names()
                       if t != VERSION_TABLE and outside_models(t, "table", {})],
            "views": inspector.get_view_names()}
    if db.engine.dialect.name == "postgresql":
        left["sequences"] = inspector.get_sequence_names()
    return left


def _schema_diff(configure_args: dict) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=dict(configure_args))
        return compare_metadata(context, db.metadata)


def test_one_head(_app):
    settings = _app.extensions["migrate"]
    with _app.app_context():
        script = ScriptDirectory.from_config(settings.migrate.get_config())
    assert len(script.get_heads()) == 1, f"several migration heads: {script.get_heads()}"


def test_upgrade_downgrade_upgrade_matches_the_models(migration_app):
    model_tables = set(db.metadata.tables)
    settings = migration_app.extensions["migrate"]

    upgrade()
    assert set(_schema_objects()["tables"]) == model_tables

    downgrade(revision="base")
    left = _schema_objects()
    assert all(not names for names in left.values()), f"left after downgrade to base: {left}"

    upgrade()
    assert set(_schema_objects()["tables"]) == model_tables
    diff = _schema_diff(settings.configure_args)
    assert diff == [], "models and migrations differ (write a migration):\n" + \
        "\n".join(map(repr, diff))


# --- constraints enforced by the database (schema built by `upgrade()` in conftest) ---------

def _poll(**fields) -> Poll:
    now = clock.now()
    fields.setdefault("opens_at", now)
    fields.setdefault("closes_at", now + timedelta(days=7))
    poll = Poll(title="下期查什么", state="open", **fields)
    db.session.add(poll)
    db.session.flush()
    return poll


def test_one_vote_per_user_and_topic(app):
    poll = _poll(votes_per_person=3)
    topic = Topic(poll_id=poll.id, title="校园食堂", domain_id=factories.domain().id)
    db.session.add(topic)
    voter = factories.user()
    db.session.flush()
    db.session.add(Vote(poll_id=poll.id, topic_id=topic.id, user_id=voter.id, slot=1))
    db.session.flush()
    db.session.add(Vote(poll_id=poll.id, topic_id=topic.id, user_id=voter.id, slot=2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_poll_must_close_after_it_opens(app):
    now = clock.now()
    with pytest.raises(IntegrityError):
        _poll(opens_at=now, closes_at=now)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        _poll(opens_at=now, closes_at=now - timedelta(hours=1))
    db.session.rollback()


def test_agency_staff_need_an_agency(app):
    user = factories.user("public")
    db.session.flush()
    user.role = "agency_staff"
    user.agency_id = None
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_episode_state_is_checked(app):
    with pytest.raises(IntegrityError):
        factories.episode(state="bogus")
    db.session.rollback()
