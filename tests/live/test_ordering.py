"""Comments reach viewers in seq order although their seqs no longer commit in order.

SeqOrder (app/live/ordering.py) holds a room's comment items back until the seqs below them
have arrived; the comment path no longer holds the episode row until its commit.
"""
from __future__ import annotations

from sqlalchemy import text

from app.core import clock
from app.extensions import db
from app.live import comments, relay, seqs
from app.live.ordering import SKIP, SeqOrder
from app.core.auth import Actor
from app.episodes.rooms import episode_room
from tests.live.conftest import flush, items, sock


def _c(seq: int) -> dict:
    return {"type": "comment", "seq": seq, "id": 100 + seq}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_comment_that_overtakes_a_lower_seq_waits_for_it():
    order = SeqOrder()
    order.start("r", 9)
    assert order.offer("r", _c(11)) == []
    assert order.offer("r", _c(12)) == []
    assert [i["seq"] for i in order.offer("r", _c(10))] == [10, 11, 12]
    assert [i["seq"] for i in order.offer("r", _c(13))] == [13]
    assert order.stats() == {"held_back": 0, "late": 0, "gaps_skipped": 0}


def test_a_held_comment_s_skip_fills_its_seq_and_never_reaches_viewers():
    order = SeqOrder()
    order.start("r", 0)
    assert order.offer("r", _c(2)) == []
    assert [i["seq"] for i in order.offer("r", {"type": SKIP, "seq": 1})] == [2]


def test_items_without_a_seq_are_not_held():
    order = SeqOrder()
    order.start("r", 0)
    assert order.offer("r", _c(2)) == []
    assert order.offer("r", {"type": "answer", "id": 5}) == [{"type": "answer", "id": 5}]


def test_a_seq_that_never_comes_holds_the_room_for_hold_seconds_only_and_counts_late_once_it_comes():
    now = Clock()
    order = SeqOrder(hold_seconds=2.0, clock=now)
    order.start("r", 0)
    assert order.offer("r", _c(2)) == []
    now.now = 1.9
    assert order.due() == {}
    now.now = 2.0
    assert [i["seq"] for i in order.due()["r"]] == [2]
    assert [i["seq"] for i in order.offer("r", _c(1))] == [1]  # delivered late, not lost
    assert [i["seq"] for i in order.offer("r", _c(3))] == [3]
    assert order.stats() == {"held_back": 0, "late": 1, "gaps_skipped": 1}


def test_rooms_are_ordered_separately():
    order = SeqOrder()
    order.start("a", 0)
    order.start("b", 5)
    assert order.offer("a", _c(2)) == []
    assert [i["seq"] for i in order.offer("b", _c(6))] == [6]


def test_a_room_first_seen_without_a_join_starts_at_the_first_seq():
    order = SeqOrder()
    assert [i["seq"] for i in order.offer("r", _c(40))] == [40]
    assert order.offer("r", _c(42)) == []


def test_viewers_get_the_comment_after_a_held_one_in_the_same_batch(app, live, login_as):
    """A comment caught by the word filter takes a seq viewers never see: it must not hold the room."""
    from app.live import words
    from app.live.models import SensitiveWord

    db.session.add(SensitiveWord(word="违禁词"))
    db.session.commit()
    words.invalidate()
    viewer, writer = sock(app), sock(app, login_as("public"))
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    held = writer.emit("comment", {"episode_id": live.id, "body": "含违禁词的评论"}, namespace="/live", callback=True)
    shown = writer.emit("comment", {"episode_id": live.id, "body": "正常评论"}, namespace="/live", callback=True)
    assert held["state"] == "held" and shown["state"] == "published" and shown["seq"] == held["seq"] + 1
    flush()
    said = [i for i in items(viewer) if i["type"] in ("comment", SKIP)]
    assert [(i["type"], i["body"]) for i in said] == [("comment", "正常评论")]


def test_comments_published_out_of_seq_order_reach_the_viewer_in_order(app, live, login_as):
    """Two greenlets resuming in the opposite order of their commits: the viewer still sees 1, 2, 3."""
    viewer = sock(app)
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    room = episode_room(live.id)
    for seq in (2, 3, 1):
        relay.deliver(room, {**_c(seq), "body": f"第{seq}条"})
        flush()
    said = [i["seq"] for i in items(viewer) if i["type"] == "comment"]
    assert said == [1, 2, 3]


def test_a_comment_s_rows_are_free_while_its_request_is_still_running(app, live, users):
    """PostgreSQL: the seq (comment_counters) and the insert each commit at once, so neither the
    counter nor the episode row is locked while the request's unit of work is still open: the
    next comment, or the like flush, never queues behind it. SQLite has one writer: the seq and
    the insert share the session's transaction and roll back together."""
    actor = Actor(user_id=users["public"].id, role="public")
    comment = comments.post_comment(actor, live.id, "你好", now=clock.now())
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as other:
            for table, key in (("episodes", "id"), ("comment_counters", "episode_id")):
                locked = other.execute(text(f"SELECT {key} FROM {table} WHERE {key} = :id FOR UPDATE NOWAIT"),
                                       {"id": live.id}).scalar()
                assert locked == live.id, table
            other.rollback()
        db.session.rollback()  # nothing of the comment is in the session: it stays stored
        assert db.session.execute(text("SELECT seq FROM comments WHERE id = :id"), {"id": comment.id}).scalar() == 1
        assert seqs.last(live.id) == 1
    else:
        db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM comments")).scalar() == 0
        assert seqs.last(live.id) == 0  # the seq went back with the comment


def test_seqs_continue_above_the_stored_comments_when_the_counter_is_gone(app, live, users):
    """An UNLOGGED counter is emptied by a PostgreSQL crash: numbering resumes above what is stored."""
    actor = Actor(user_id=users["public"].id, role="public")
    for body in ("一", "二"):
        comments.post_comment(actor, live.id, body, now=clock.now())
        db.session.commit()
    db.session.execute(text("DELETE FROM comment_counters"))
    db.session.commit()
    assert comments.post_comment(actor, live.id, "三", now=clock.now()).seq == 3
    db.session.commit()
