"""Comments over Socket.IO: acks after commit, batched fan-out, resume, bad input, moderation."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import clock
from app.episodes.models import Episode
from app.extensions import db
from app.live.models import Comment, EpisodeMute, SensitiveWord
from app.notifications.models import AuditLog
from tests import factories
from tests.live.conftest import batches, flush, items, sock


def _count() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def _say(client, episode_id: int, body, kind="comment") -> dict:
    return client.emit("comment", {"episode_id": episode_id, "body": body, "kind": kind},
                       namespace="/live", callback=True)


def test_two_viewers_get_each_others_comments_in_one_batch(app, live, login_as):
    alice, bob = sock(app, login_as("public")), sock(app, login_as("observer"))
    anonymous = sock(app)
    for client in (alice, bob, anonymous):
        assert client.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)["ok"]
        client.get_received("/live")

    first = _say(alice, live.id, "  现场后厨很干净  ")
    second = _say(bob, live.id, "请问检查多久一次？", kind="question")

    assert first["ok"] and second["ok"] and (first["seq"], second["seq"]) == (1, 2)
    assert items(anonymous) == []  # nothing before the flush: no per-comment emits
    flush()
    received = batches(anonymous)
    assert len(received) == 1
    comments = [i for i in received[0]["items"] if i["type"] == "comment"]
    assert [(c["body"], c["kind"], c["seq"]) for c in comments] == [
        ("现场后厨很干净", "comment", 1), ("请问检查多久一次？", "question", 2)]
    assert received[0]["viewers"] == 3
    assert [c["body"] for c in items(alice) if c["type"] == "comment"] == ["现场后厨很干净", "请问检查多久一次？"]


def test_resume_after_reconnect_returns_exactly_the_missed_comments(app, live, login_as):
    writer = sock(app, login_as("public"))
    writer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    acks = [_say(writer, live.id, f"第{i}条") for i in range(1, 6)]
    assert [a["seq"] for a in acks] == [1, 2, 3, 4, 5]

    viewer = sock(app)
    ack = viewer.emit("join", {"episode_id": live.id, "last_seq": 2}, namespace="/live", callback=True)
    assert [c["seq"] for c in ack["comments"]] == [3, 4, 5]
    assert [c["body"] for c in ack["comments"]] == ["第3条", "第4条", "第5条"]
    assert ack["more"] is False and ack["last_seq"] == 5

    flush()  # once sent in a batch, a newcomer's history holds them (before, the batch brings them: test_join_view.py)
    late = sock(app).emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    assert [c["seq"] for c in late["comments"]] == [1, 2, 3, 4, 5]


def test_resume_is_capped_with_a_more_flag(app, live, users, monkeypatch):
    from app.live import comments

    monkeypatch.setattr(comments, "RESUME_CAP", 3)
    actor_user = users["public"]
    for i in range(5):
        db.session.add(Comment(episode_id=live.id, seq=i + 1, user_id=actor_user.id, body=f"c{i}"))
    live.last_comment_seq = 5
    db.session.commit()
    ack = sock(app).emit("join", {"episode_id": live.id, "last_seq": 0}, namespace="/live", callback=True)
    assert [c["seq"] for c in ack["comments"]] == [1, 2, 3] and ack["more"] is True


@pytest.mark.parametrize("body, code", [
    ("", "comment_empty"), ("   \n ", "comment_empty"), ("长" * 301, "comment_too_long"),
    ("bad\x00byte", "comment_binary"), ("\x07bell", "comment_binary"), (b"bytes".decode() and 42, "comment_not_text"),
    (None, "comment_not_text"), (["list"], "comment_not_text"),
])
def test_bad_bodies_get_a_failed_ack_and_nothing_is_stored(app, live, login_as, body, code):
    client = sock(app, login_as("public"))
    ack = _say(client, live.id, body)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    assert _count() == 0
    assert client.is_connected("/live")
    assert _say(client, live.id, "正常评论")["ok"] is True


def test_binary_attachment_payload_is_refused(app, live, login_as):
    client = sock(app, login_as("public"))
    ack = client.emit("comment", {"episode_id": live.id, "body": b"\x00\xff"}, namespace="/live", callback=True)
    assert ack["ok"] is False and _count() == 0 and client.is_connected("/live")


@pytest.mark.parametrize("payload, code", [
    ({"episode_id": 999999, "body": "hi"}, "episode_not_found"),
    ({"episode_id": "1", "body": "hi"}, "bad_payload"),
    ({"body": "hi"}, "bad_payload"),
    ({"episode_id": None, "body": "hi", "kind": "question"}, "bad_payload"),
])
def test_malformed_or_unknown_episode(app, live, login_as, payload, code):
    client = sock(app, login_as("public"))
    ack = client.emit("comment", payload, namespace="/live", callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert _count() == 0 and client.is_connected("/live")


def test_unknown_kind_and_non_object_payload(app, live, login_as):
    client = sock(app, login_as("public"))
    assert _say(client, live.id, "hi", kind="shout")["error"]["code"] == "comment_kind_invalid"
    assert client.emit("comment", "just text", namespace="/live", callback=True)["error"]["code"] == "bad_payload"
    assert _count() == 0


def test_anonymous_and_not_live(app, live, login_as):
    assert _say(sock(app), live.id, "hi")["error"]["code"] == "login_required"
    scheduled = factories.episode(state="scheduled")
    db.session.commit()
    assert _say(sock(app, login_as("public")), scheduled.id, "hi")["error"]["code"] == "episode_not_live"
    assert _count() == 0


def test_muted_and_banned_users_cannot_comment(app, live, users, login_as):
    muted, banned = login_as("public"), login_as("observer")
    db.session.add(EpisodeMute(episode_id=live.id, user_id=users["public"].id))
    db.session.get(User, users["observer"].id).banned_at = clock.now()
    db.session.commit()
    assert _say(sock(app, muted), live.id, "hi")["error"]["code"] == "user_muted"
    # a banned account's session no longer counts as logged in; a service caller gets user_banned
    assert _say(sock(app, banned), live.id, "hi")["error"]["code"] == "login_required"
    from app.core.auth import Actor
    from app.core.errors import NotAllowed
    from app.live.services import post_comment

    with pytest.raises(NotAllowed) as refused:
        post_comment(Actor(user_id=users["observer"].id, role="observer"), live.id, "hi", now=clock.now())
    assert refused.value.code == "user_banned"
    db.session.rollback()
    assert _count() == 0


def test_slow_mode(app, live, login_as):
    live.slow_mode_seconds = 30
    db.session.commit()
    client = sock(app, login_as("public"))
    assert _say(client, live.id, "一")["ok"] is True
    ack = _say(client, live.id, "二")
    assert ack["error"]["code"] == "slow_mode" and ack["error"]["details"] == {"seconds": 30}
    assert _count() == 1


def test_per_user_rate_limit(app, live, login_as):
    app.config["COMMENT_RATE_USER"] = "3/minute"
    try:
        client = sock(app, login_as("public"))
        assert all(_say(client, live.id, f"#{i}")["ok"] for i in range(3))
        assert _say(client, live.id, "again")["error"]["code"] == "comment_rate_limited"
    finally:
        app.config["COMMENT_RATE_USER"] = "10/minute"
    assert _count() == 3


def test_sensitive_word_holds_the_comment_and_approval_publishes_it(app, live, login_as, users):
    db.session.add(SensitiveWord(word="加微信"))
    db.session.commit()
    author, viewer = sock(app, login_as("public")), sock(app)
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    ack = _say(author, live.id, "低价代办，加微信详聊")
    assert ack["ok"] and ack["state"] == "held" and ack["message"]
    flush()
    assert [i for i in items(viewer) if i["type"] == "comment"] == []

    host = sock(app, login_as("coordinator"))
    approved = host.emit("approve", {"comment_id": ack["id"]}, namespace="/live", callback=True)
    assert approved["ok"] and approved["seq"] > ack["seq"]  # published under a new seq: resumers get it
    flush()
    assert [i["body"] for i in items(viewer) if i["type"] == "comment"] == ["低价代办，加微信详聊"]
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_id == ack["id"])) == "comment.approve"


def test_word_list_edit_rebuilds_the_matcher(app, live, login_as):
    coordinator = login_as("coordinator")
    client = sock(app, login_as("public"))
    assert _say(client, live.id, "SPAM here")["state"] == "published"
    from tests.conftest import csrf_token

    token = csrf_token(coordinator, "/live/words")
    assert coordinator.post("/live/words", data={"word": "spam", "csrf_token": token}).status_code == 302
    assert _say(client, live.id, "more Spam")["state"] == "held"  # case-insensitive, rebuilt at once


def test_hidden_comment_vanishes_from_every_screen_and_unhide_restores(app, live, login_as):
    viewers = [sock(app), sock(app)]
    for v in viewers:
        v.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    ack = _say(sock(app, login_as("public")), live.id, "广告广告")
    flush()
    for v in viewers:
        v.get_received("/live")
    moderator = sock(app, login_as("coordinator"))
    assert moderator.emit("hide", {"comment_id": ack["id"], "reason": "广告"}, namespace="/live", callback=True)["ok"]
    flush()
    for v in viewers:
        assert {"type": "hidden", "id": ack["id"]} in items(v)
    assert db.session.get(Comment, ack["id"]).state == "hidden"
    resumed = sock(app).emit("join", {"episode_id": live.id, "last_seq": ack["seq"]}, namespace="/live", callback=True)
    assert ack["id"] in resumed["hidden"]

    assert moderator.emit("unhide", {"comment_id": ack["id"]}, namespace="/live", callback=True)["ok"]
    flush()
    assert [i["id"] for i in items(viewers[0]) if i["type"] == "comment"] == [ack["id"]]
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["comment.hide", "comment.unhide"]


def test_only_moderators_hide_mute_ban(app, live, login_as, users):
    ack = _say(sock(app, login_as("public")), live.id, "hello")
    viewer = sock(app, login_as("observer"))
    assert viewer.emit("hide", {"comment_id": ack["id"]}, namespace="/live", callback=True)["error"]["code"] == "live_host_only"
    assert viewer.emit("ban", {"user_id": users["public"].id}, namespace="/live", callback=True)["error"]["code"] == "live_moderator_only"
    assert db.session.get(Comment, ack["id"]).state == "published"

    coordinator = sock(app, login_as("coordinator"))
    assert coordinator.emit("mute", {"episode_id": live.id, "user_id": users["public"].id},
                            namespace="/live", callback=True)["ok"]
    assert coordinator.emit("unmute", {"episode_id": live.id, "user_id": users["public"].id},
                            namespace="/live", callback=True)["ok"]
    assert coordinator.emit("ban", {"user_id": users["public"].id, "reason": "spam"}, namespace="/live", callback=True)["ok"]
    assert db.session.get(User, users["public"].id).banned_at is not None
    assert coordinator.emit("unban", {"user_id": users["public"].id}, namespace="/live", callback=True)["ok"]
    assert db.session.get(User, users["public"].id).banned_at is None


def test_host_sets_slow_mode_live(app, live, login_as):
    viewer = sock(app)
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    host = sock(app, login_as("coordinator"))
    assert host.emit("slow_mode", {"episode_id": live.id, "seconds": 601}, namespace="/live",
                     callback=True)["error"]["code"] == "slow_mode_invalid"
    assert host.emit("slow_mode", {"episode_id": live.id, "seconds": 15}, namespace="/live", callback=True)["ok"]
    flush()
    assert {"type": "slow_mode", "seconds": 15} in items(viewer)
    assert db.session.get(Episode, live.id).slow_mode_seconds == 15
