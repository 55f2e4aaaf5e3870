"""The /live Socket.IO namespace: rooms, comments, likes, questions and the host console.

Connections are open to anonymous viewers; the actor comes from the session cookie.
Each event validates its payload and answers with an ack (`{"ok": true, …}` only after
the commit). Broadcasts go out as the room's batched `batch` event (app/live/broadcast.py).
The protocol is documented in docs/live-protocol.md.
"""
from __future__ import annotations

import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import join_room, leave_room

from app.core import clock
from app.core.auth import Actor, current_actor
from app.core.db import unit_of_work
from app.core.errors import Unavailable, ValidationFailed
from app.core.sockets import MAX_ID, SafeNamespace, acked, require_int
from app.episodes.rooms import NAMESPACE, episode_room
from app.extensions import db, socketio
from app.live import background, broadcast, comments, joins, likes, moderation, presence, relay, views

__all__ = ["NAMESPACE", "episode_room", "LiveNamespace", "register_live_namespace"]
MAX_LIKES_PER_MESSAGE = 50
#: Who is behind each connection, re-read from the session at most every ACTOR_TTL seconds.
_actors: dict[str, tuple[Actor, float]] = {}
ACTOR_TTL = 2.0


class LiveNamespace(SafeNamespace):
    """Viewers join rooms, comment, like and upvote; hosts answer, pin and moderate."""

    def on_connect(self, auth=None) -> bool:
        """Everyone may connect; who they are is read per event from the session."""
        return True

    def on_disconnect(self, *_args) -> None:
        """Stop counting the connection in its rooms."""
        sid = request.sid
        likes.forget_connection(sid)
        _actors.pop(sid, None)
        for episode_id, current in presence.disconnect(sid).items():
            broadcast.put_if_changed(episode_id, "viewers", current)

    def on_join(self, payload=None, *_extra) -> dict:
        """Join an episode's room; the ack carries recent history or what was missed since last_seq."""
        return _join(payload)

    def on_leave(self, payload=None, *_extra) -> dict:
        """Leave an episode's room."""
        return _leave(payload)

    def on_comment(self, payload=None, *_extra) -> dict:
        """Post a comment or question: `{episode_id, body, kind}` → `{ok, id, seq, state}`."""
        return _comment(payload)

    def on_like(self, payload=None, *_extra) -> dict:
        """Count like taps: `{episode_id, count?}` → `{ok, accepted, likes}`."""
        return _like(payload)

    def on_upvote(self, payload=None, *_extra) -> dict:
        """Upvote a question once: `{comment_id}`."""
        return _with_comment(payload, lambda actor, cid, now: comments.upvote(actor, cid, now=now),
                             lambda c: {"upvotes": c.upvotes})

    def on_answer(self, payload=None, *_extra) -> dict:
        """Answer a question: `{comment_id, body}`."""
        return _answer(payload)

    def on_pin(self, payload=None, *_extra) -> dict:
        """Pin `{episode_id, comment_id}` or `{episode_id, note_id}`; neither unpins."""
        return _pin(payload)

    def on_approve(self, payload=None, *_extra) -> dict:
        """Publish a held comment: `{comment_id}` → new seq."""
        return _with_comment(payload, lambda a, cid, now: moderation.approve(a, cid, now=now),
                             lambda c: {"seq": c.seq})

    def on_hide(self, payload=None, *_extra) -> dict:
        """Hide a comment from every screen: `{comment_id, reason?}`."""
        return _with_comment(payload, lambda a, cid, now: moderation.hide(a, cid, now=now, reason=_reason(payload)),
                             lambda c: {})

    def on_unhide(self, payload=None, *_extra) -> dict:
        """Publish a hidden comment again: `{comment_id}`."""
        return _with_comment(payload, lambda a, cid, now: moderation.unhide(a, cid, now=now),
                             lambda c: {"seq": c.seq})

    def on_held(self, payload=None, *_extra) -> dict:
        """Comments awaiting review (console): `{episode_id}` → `{comments}`."""
        return _held(payload)

    def on_mute(self, payload=None, *_extra) -> dict:
        """Mute a user in the episode: `{episode_id, user_id, reason?}`."""
        return _user_action(payload, "mute")

    def on_unmute(self, payload=None, *_extra) -> dict:
        """Lift a mute: `{episode_id, user_id}`."""
        return _user_action(payload, "unmute")

    def on_ban(self, payload=None, *_extra) -> dict:
        """Ban a user site-wide (coordinator): `{user_id, reason?}`."""
        return _user_action(payload, "ban")

    def on_unban(self, payload=None, *_extra) -> dict:
        """Lift a ban (coordinator): `{user_id}`."""
        return _user_action(payload, "unban")

    def on_slow_mode(self, payload=None, *_extra) -> dict:
        """Set slow mode: `{episode_id, seconds}` (0 = off)."""
        return _slow_mode(payload)


def _actor() -> Actor:
    """The actor of a high-rate event (join, comment, like), cached per connection for ACTOR_TTL.

    Loading the user for every comment of a busy room cost a query each; bans and mutes are
    still checked against the database on every comment (app/live/comments.py). Moderation,
    answers, pins and upvotes read the session afresh: they are rare, and a revoked role must
    not act on for two seconds.
    """
    sid, now = request.sid, time.monotonic()
    cached = _actors.get(sid)
    if cached is not None and cached[1] > now:
        return cached[0]
    actor = current_actor()
    _actors[sid] = (actor, now + ACTOR_TTL)
    return actor


def _reason(payload: object) -> str:
    value = payload.get("reason", "") if isinstance(payload, dict) else ""
    return value if isinstance(value, str) else ""


def _optional_int(payload: dict, key: str) -> int | None:
    return require_int(payload, key) if payload.get(key) is not None else None


def _episode_summary(episode) -> dict:
    """The ack's facts of the episode (an Episode or the join's row)."""
    return {"id": episode.id, "number": episode.number, "state": episode.state,
            "live_at": episode.live_at.isoformat() if episode.live_at else None,
            "slow_mode_seconds": episode.slow_mode_seconds}


@acked
def _join(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    last_seq = payload.get("last_seq")
    if last_seq is not None and (isinstance(last_seq, bool) or not isinstance(last_seq, int)
                                 or not 0 <= last_seq <= MAX_ID):
        raise ValidationFailed(_l("The field %(field)s must be a positive whole number.", field="last_seq"),
                               code="bad_payload", details={"field": "last_seq"})
    actor = _actor()
    episode = joins.join_target(actor, episode_id)
    sid = request.sid
    join_room(episode_room(episode.id))  # before reading history: nothing falls in between
    relay.watch(episode_room(episode.id), lambda: joins.last_seq(episode.id))  # where the room's order starts
    current, new = presence.join(episode.id, sid)
    broadcast.put_if_changed(episode.id, "viewers", current)
    background.start_background(current_app._get_current_object(), socketio)
    ack = {"episode": _episode_summary(episode), **joins.room_view(episode, last_seq), "viewers": current}
    # The join reads nothing more from the database: give the connection back before the Redis round
    # trip (the like total, once a second). In a storm thousands of joins wait their turn in gevent's hub; each holding a pooled
    # connection meanwhile exhausted the pool (QueuePool timeouts: failed joins, bench/live/joinstorm.py).
    db.session.close()
    ack["likes"] = joins.likes_total(episode)
    if new and episode.state == "live":  # a view, written by the next flush: no write on the episode row
        views.note(episode.id, presence.viewer_key(actor.user_id, payload.get("viewer_key"), sid))
    return ack


@acked
def _leave(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    leave_room(episode_room(episode_id))
    broadcast.put_if_changed(episode_id, "viewers", presence.leave(episode_id, request.sid))
    return {}


@acked
def _comment(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    if not relay.available(current_app):  # it would reach no viewer on another process: refuse, write nothing
        raise Unavailable()
    with unit_of_work():
        comment = comments.post_comment(_actor(), episode_id, payload.get("body"),
                                        kind=payload.get("kind", "comment"), now=clock.now(),
                                        ip=request.remote_addr)
        result = {"id": comment.id, "seq": comment.seq, "state": comment.state}
    if result["state"] == "held":  # not comment.state: after the commit that would reload the row
        result["message"] = str(_l("Your comment awaits review by a moderator."))
    return result


@acked
def _like(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    count = payload.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LIKES_PER_MESSAGE:
        raise ValidationFailed(_l("count must be 1 to %(n)s.", n=MAX_LIKES_PER_MESSAGE), code="bad_payload",
                               details={"field": "count"})
    accepted, total = likes.tap(episode_id, count, connection=request.sid, actor=_actor,
                                rate=int(current_app.config.get("LIKE_RATE_PER_SECOND", 20)))
    broadcast.put_if_changed(episode_id, "likes", total)
    return {"accepted": accepted, "likes": total}


def _with_comment(payload, action, result) -> dict:
    @acked
    def run(data: dict) -> dict:
        comment_id = require_int(data, "comment_id")
        with unit_of_work():
            comment = action(current_actor(), comment_id, clock.now())
            out = {"id": comment.id, **result(comment)}
        return out
    return run(payload)


@acked
def _answer(payload: dict) -> dict:
    comment_id = require_int(payload, "comment_id")
    with unit_of_work():
        comment = comments.answer(current_actor(), comment_id, payload.get("body"), now=clock.now())
        return {"id": comment.id}


@acked
def _pin(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    comment_id, note_id = _optional_int(payload, "comment_id"), _optional_int(payload, "note_id")
    with unit_of_work():
        episode = comments.pin(current_actor(), episode_id, comment_id=comment_id, note_id=note_id, now=clock.now())
        return {"pinned_comment_id": episode.pinned_comment_id, "pinned_note_id": episode.pinned_note_id}


@acked
def _held(payload: dict) -> dict:
    rows = moderation.held(current_actor(), require_int(payload, "episode_id"))
    return {"comments": [{**broadcast.comment_item(c), "user_id": c.user_id} for c in rows]}


def _user_action(payload, name: str) -> dict:
    return acked(lambda data: _run_user_action(data, name))(payload)


def _run_user_action(payload: dict, name: str) -> dict:
    user_id = require_int(payload, "user_id")
    actor, now = current_actor(), clock.now()
    with unit_of_work():
        if name in ("mute", "unmute"):
            episode_id = require_int(payload, "episode_id")
            if name == "mute":
                moderation.mute(actor, episode_id, user_id, now=now, reason=_reason(payload))
            else:
                moderation.unmute(actor, episode_id, user_id, now=now)
        elif name == "ban":
            moderation.ban(actor, user_id, now=now, reason=_reason(payload))
        else:
            moderation.unban(actor, user_id, now=now)
    return {"user_id": user_id}


@acked
def _slow_mode(payload: dict) -> dict:
    episode_id = require_int(payload, "episode_id")
    with unit_of_work():
        episode = moderation.set_slow_mode(current_actor(), episode_id, payload.get("seconds"), now=clock.now())
        return {"seconds": episode.slow_mode_seconds}


def reset_state() -> None:
    """Forget per-connection actors, like buckets and cached episode states (tests)."""
    _actors.clear()
    likes.reset_taps()
    joins.reset()


def register_live_namespace(socketio) -> None:
    """Attach the namespaces to the Socket.IO server."""
    socketio.on_namespace(LiveNamespace(NAMESPACE))

    @socketio.on_error_default
    def _any_error(error: Exception) -> dict:
        """Last safety net: a failed ack instead of a dropped event."""
        import logging

        logging.getLogger(__name__).exception("socket event failed", exc_info=error)
        db.session.rollback()
        return {"ok": False, "error": {"code": "server_error",
                                       "message": str(_l("Something went wrong on our side. It has been logged."))}}
