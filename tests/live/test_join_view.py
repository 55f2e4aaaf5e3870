"""A join storm shares one view of the room (app/live/joins.py), and that view is never stale.

Counts, not timings: the second joiner of an unchanged room reads no history; whoever joins
after a comment, a hide or a pin was sent to the room sees it in the ack, and whoever joins
before it was sent gets it in the batch.
"""
from __future__ import annotations

from app.extensions import db
from tests.live.conftest import flush, items, sock
from tests.live.test_hot_path_queries import counting


def _join(app, episode_id: int, **extra) -> dict:
    ack = sock(app).emit("join", {"episode_id": episode_id, **extra}, namespace="/live", callback=True)
    assert ack["ok"], ack
    return ack


def _say(app, client, episode_id: int, body: str) -> dict:
    ack = sock(app, client).emit("comment", {"episode_id": episode_id, "body": body}, namespace="/live", callback=True)
    assert ack["ok"], ack
    return ack


def test_joiners_of_an_unchanged_room_share_its_history(app, live, login_as):
    writer = login_as("public")
    said = [_say(app, writer, live.id, f"评论 {n}")["seq"] for n in range(3)]
    episode_id = live.id
    first = _join(app, episode_id)
    viewer = sock(app)
    with counting() as seen:
        second = viewer.emit("join", {"episode_id": episode_id}, namespace="/live", callback=True)
    # The history and pins came from the first join (the episode row too, unless a second passed).
    assert [q for q in seen if "FROM episodes" not in q] == []
    assert len(seen) <= 1
    assert [c["seq"] for c in first["comments"]] == [c["seq"] for c in second["comments"]] == said


def test_a_joiner_after_a_comment_hide_or_pin_sees_it(app, live, login_as):
    writer, host = login_as("public"), login_as("coordinator")
    kept = _say(app, writer, live.id, "留下的评论")
    _join(app, live.id)  # the room's view is now shared
    later = _say(app, writer, live.id, "之后的评论")
    flush()
    assert [c["id"] for c in _join(app, live.id)["comments"]] == [kept["id"], later["id"]]

    hidden = sock(app, host).emit("hide", {"comment_id": later["id"]}, namespace="/live", callback=True)
    assert hidden["ok"], hidden
    flush()
    assert [c["id"] for c in _join(app, live.id)["comments"]] == [kept["id"]]

    pinned = sock(app, host).emit("pin", {"episode_id": live.id, "comment_id": kept["id"]}, namespace="/live",
                                  callback=True)
    assert pinned["ok"], pinned
    flush()
    assert _join(app, live.id)["pinned"]["id"] == kept["id"]


def test_a_joiner_before_the_batch_is_sent_gets_the_comment_in_it(app, live, login_as):
    """Between a comment and its batch the shared view may lack it: the batch brings it, once."""
    writer = login_as("public")
    kept = _say(app, writer, live.id, "留下的评论")
    _join(app, live.id)  # the room's view is now shared
    later = _say(app, writer, live.id, "还没发出的评论")
    viewer = sock(app)
    ack = viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    flush()
    got = [c["id"] for c in ack["comments"]] + [i["id"] for i in items(viewer) if i["type"] == "comment"]
    assert list(dict.fromkeys(got)) == [kept["id"], later["id"]]  # clients drop the second copy (by id)


def test_resuming_joiners_get_what_they_missed_and_what_was_hidden(app, live, login_as):
    writer, host = login_as("public"), login_as("coordinator")
    first, second = _say(app, writer, live.id, "一"), _say(app, writer, live.id, "二")
    resumed = _join(app, live.id, last_seq=first["seq"])
    assert [c["id"] for c in resumed["comments"]] == [second["id"]] and resumed["hidden"] == []
    assert sock(app, host).emit("hide", {"comment_id": first["id"]}, namespace="/live", callback=True)["ok"]
    third = _say(app, writer, live.id, "三")
    flush()
    again = _join(app, live.id, last_seq=first["seq"])
    assert [c["id"] for c in again["comments"]] == [second["id"], third["id"]]
    assert again["hidden"] == [first["id"]]
    db.session.rollback()
