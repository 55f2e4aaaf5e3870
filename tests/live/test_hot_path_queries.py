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
    """Author and room in one read (ban, mute, live), the seq (comment_counters), the insert: nothing else."""
    from tests.live.conftest import flush, items, sock

    episode_id = live.id
    writer, viewer = sock(app, login_as("public")), sock(app)
    viewer.emit("join", {"episode_id": episode_id}, namespace="/live", callback=True)
    writer.emit("comment", {"episode_id": episode_id, "body": "first"}, namespace="/live", callback=True)
    with counting() as seen:
        ack = writer.emit("comment", {"episode_id": episode_id, "body": "second"}, namespace="/live", callback=True)
    assert ack["ok"] and ack["state"] == "published"
    assert len(seen) == 3, seen
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
