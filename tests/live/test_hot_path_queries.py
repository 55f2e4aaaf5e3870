"""The live room's hot paths run a fixed, small number of SQL statements (bench/live found the cost).

Counts, not timings: a comment or a join at thousands per second must not load the episode's
agencies and domain each time, and the episode is still found or refused as before.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.core.auth import ANONYMOUS
from app.core.errors import NotFound
from app.extensions import db
from app.live.access import visible_episode
from tests import factories


@contextmanager
def counting():
    """Count the SQL statements sent to the database inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.strip().upper() != "SELECT 1":  # the pool's pre-ping on checkout
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_visible_episode_is_one_query_and_agencies_still_load_when_used(app, live):
    episode_id = live.id
    db.session.expire_all()
    with counting() as seen:
        episode = visible_episode(ANONYMOUS, episode_id)
    assert len(seen) == 1
    assert episode.id == episode_id
    assert [a.id for a in episode.agencies]  # loaded lazily, only when a caller needs them


def test_visible_episode_still_hides_drafts_from_the_public(app, live):
    draft = factories.episode(state="draft")
    db.session.commit()
    with pytest.raises(NotFound):
        visible_episode(ANONYMOUS, draft.id)


def test_a_comment_costs_three_statements_and_still_names_its_author(app, live, login_as):
    """Author, ban, mute and episode in one query; then seq UPDATE + INSERT (SQLite), or on
    PostgreSQL one statement that takes the seq and inserts, in autocommit: nothing else."""
    from tests.conftest import is_postgres

    from tests.live.conftest import flush, items, sock

    episode_id = live.id
    writer, viewer = sock(app, login_as("public")), sock(app)
    viewer.emit("join", {"episode_id": episode_id}, namespace="/live", callback=True)
    writer.emit("comment", {"episode_id": episode_id, "body": "first"}, namespace="/live", callback=True)
    with counting() as seen:
        ack = writer.emit("comment", {"episode_id": episode_id, "body": "second"}, namespace="/live", callback=True)
    assert ack["ok"] and ack["state"] == "published"
    assert len(seen) == (2 if is_postgres() else 3), seen
    flush()
    said = [i for i in items(viewer) if i["type"] == "comment"]
    assert [i["body"] for i in said] == ["first", "second"]
    assert said[-1]["author"] and said[-1]["author_role"] == "public"


def test_moderation_reads_the_role_afresh_although_comments_use_the_cached_actor(app, live, users, login_as):
    """A coordinator demoted mid-live cannot hide a comment, even right after commenting as coordinator."""
    from tests.live.conftest import sock

    episode_id = live.id
    host = sock(app, login_as("coordinator"))
    said = host.emit("comment", {"episode_id": episode_id, "body": "主持人发言"}, namespace="/live", callback=True)
    assert said["ok"]
    users["coordinator"].role = "public"
    db.session.commit()
    refused = host.emit("hide", {"comment_id": said["id"]}, namespace="/live", callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "live_host_only"


def test_a_stored_comment_leaves_the_episode_row_unlocked_on_postgresql(app, live, users):
    """PostgreSQL: the comment is committed by its own statement, so no lock waits for the unit's end.

    (A lock held across the INSERT and the COMMIT made every comment of the episode queue behind
    greenlet switches; on SQLite the whole unit of work runs without a switch and commits at its end.)
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from app.core import clock
    from app.core.auth import Actor
    from app.core.db import unit_of_work
    from app.live import comments
    from tests.conftest import is_postgres

    author_id, episode_id = users["public"].id, live.id
    db.session.commit()  # from here nothing is read before the comment's unit of work
    other = create_engine(db.engine.url, poolclass=NullPool)  # a second client of the same database
    try:
        with unit_of_work():
            comment = comments.post_comment(Actor(user_id=author_id, role="public"), episode_id, "先存再说",
                                            now=clock.now())
            with other.connect() as conn:
                if is_postgres():
                    conn.execute(text("SET lock_timeout = '2s'"))
                    # the row is free and the comment already visible to everybody
                    assert conn.execute(text("SELECT last_comment_seq FROM episodes WHERE id = :id FOR UPDATE NOWAIT"),
                                        {"id": episode_id}).scalar_one() == comment.seq
                    assert conn.execute(text("SELECT body FROM comments WHERE id = :id"),
                                        {"id": comment.id}).scalar_one() == "先存再说"
                    conn.rollback()
                else:  # SQLite: one transaction, visible at its commit
                    assert conn.execute(text("SELECT count(*) FROM comments WHERE body = '先存再说'")).scalar_one() == 0
        assert comment.user.id == author_id and comment.state == "published"
    finally:
        other.dispose()
