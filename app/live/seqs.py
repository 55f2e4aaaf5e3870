"""Comment seqs: each episode's comments are numbered 1, 2, … in the order they were accepted.

The number comes from the episode's row in comment_counters, never from the episode row.
On PostgreSQL the comment path takes it on an autocommit connection: the UPDATE is its own
transaction, on an UNLOGGED table, so it writes no WAL and the row is locked only while
PostgreSQL runs that one statement (bench/live measured the alternative: a seq held until the
comment's commit made every comment of the episode wait for the one before it to reach the
disk). A comment whose insert then fails leaves its seq unused: viewers get a `skip` for it
(app/live/ordering.py). On SQLite the UPDATE is part of the comment's transaction and rolls
back with it.

A counter starts lazily, above the highest seq stored for the episode (and above the old
episodes.last_comment_seq), so a counter lost with an UNLOGGED table after a PostgreSQL crash
starts again where the stored comments end.
"""
from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.episodes.models import Episode
from app.extensions import db
from app.live.models import Comment, CommentCounter

_COUNTERS = CommentCounter.__table__
_TAKE = (update(_COUNTERS).where(_COUNTERS.c.episode_id == bindparam("b_episode_id"))
         .values(last_seq=_COUNTERS.c.last_seq + 1).returning(_COUNTERS.c.last_seq))
_LAST = select(_COUNTERS.c.last_seq).where(_COUNTERS.c.episode_id == bindparam("b_episode_id"))
_FLOOR = select(func.max(Comment.seq).label("stored"),
                select(Episode.last_comment_seq).where(Episode.id == bindparam("b_episode_id"))
                .scalar_subquery().label("before")).where(Comment.episode_id == bindparam("b_episode_id"))
_START = {name: dialect.insert(_COUNTERS).on_conflict_do_nothing(index_elements=["episode_id"])
          for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def _floor(conn: Connection, episode_id: int) -> int:
    row = conn.execute(_FLOOR, {"b_episode_id": episode_id}).one()
    return max(row.stored or 0, row.before or 0)


def take(conn: Connection, episode_id: int) -> int:
    """The episode's next seq, taken on conn (in its transaction, or committed at once in autocommit)."""
    seq = conn.execute(_TAKE, {"b_episode_id": episode_id}).scalar()
    if seq is None:  # the episode's first comment (or the counters were lost in a crash)
        conn.execute(_START[conn.dialect.name], {"episode_id": episode_id, "last_seq": _floor(conn, episode_id)})
        seq = conn.execute(_TAKE, {"b_episode_id": episode_id}).scalar_one()
    return seq


def last(episode_id: int) -> int:
    """The last seq handed out in the episode (0 before its first comment)."""
    conn = db.session.connection()
    seq = conn.execute(_LAST, {"b_episode_id": episode_id}).scalar()
    return seq if seq is not None else _floor(conn, episode_id)
