"""Comments and questions: posting, history for resume, answers, upvotes and pins."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import selectinload, with_expression

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, RateLimited, ValidationFailed
from app.episodes.models import Episode
from app.core import ratelimit
from app.extensions import db
from app.live import broadcast, seqs
from app.live.ordering import SKIP
from app.live.access import is_host, live_episode, may_answer, require_host, visible_episode
from app.live.models import COMMENT_KINDS, COMMENT_MAX_LENGTH, Comment, EpisodeMute, LiveNote, QuestionUpvote
from app.live.words import find_word
from app.notifications.services import audit
from app.observers.models import Observer

HISTORY_SIZE = 50
RESUME_CAP = 200
#: The comment path's statements, built once: at 100 comments/s building them cost as much as running them.
_EPISODES, _COMMENTS, _USERS = Episode.__table__, Comment.__table__, User.__table__
#: Everything posting needs to know before writing, in one read that locks nothing: the author
#: (ban, mute, name, role, observer kind) and the episode (state, start, slow mode, host). The
#: episode is outer-joined: no row means no such user, a NULL state no such episode.
_AUTHOR_AND_ROOM = (
    select(_USERS.c.display_name, _USERS.c.role, _USERS.c.banned_at,
           select(EpisodeMute.user_id).where(EpisodeMute.episode_id == bindparam("episode_id"),
                                             EpisodeMute.user_id == _USERS.c.id).exists().label("muted"),
           select(Observer.kind).where(Observer.user_id == _USERS.c.id).scalar_subquery().label("observer_kind"),
           _EPISODES.c.state, _EPISODES.c.live_at, _EPISODES.c.slow_mode_seconds, _EPISODES.c.host_user_id)
    .select_from(_USERS.outerjoin(_EPISODES, _EPISODES.c.id == bindparam("episode_id")))
    .where(_USERS.c.id == bindparam("user_id")))
_FIELDS = ("user_id", "kind", "body", "state", "created_at", "offset_seconds", "upvotes")


def _insert_if_live_statement():
    """`INSERT INTO comments … SELECT … WHERE the episode is live`: the live check locks nothing."""
    # Prefixed names: a parameter named like a column (state, created_at) must not read as a value.
    values = [bindparam(f"c_{name}", type_=_COMMENTS.c[name].type) for name in ("episode_id", "seq", *_FIELDS)]
    is_live = select(_EPISODES.c.id).where(_EPISODES.c.id == bindparam("c_episode_id"),
                                           _EPISODES.c.state == "live").exists()
    return (insert(_COMMENTS).from_select(["episode_id", "seq", *_FIELDS], select(*values).where(is_live))
            .returning(_COMMENTS.c.id))


_INSERT_IF_LIVE = _insert_if_live_statement()
#: Unicode categories refused in a comment: controls, format/private/unassigned code points, surrogates.
_REFUSED = {"Cc", "Co", "Cn", "Cs"}


def clean_body(body: object, max_length: int = COMMENT_MAX_LENGTH) -> str:
    """The trimmed text of a comment or answer, or ValidationFailed with a clear code."""
    if not isinstance(body, str):
        raise ValidationFailed(_l("The comment must be text."), code="comment_not_text")
    text = " ".join(body.replace("\r", " ").replace("\n", " ").replace("\t", " ").split(" ")).strip()
    if not text:
        raise ValidationFailed(_l("The comment is empty."), code="comment_empty")
    if len(text) > max_length:
        raise ValidationFailed(_l("The comment is longer than %(n)s characters.", n=max_length),
                               code="comment_too_long", details={"max": max_length})
    if any(unicodedata.category(ch) in _REFUSED for ch in text):
        raise ValidationFailed(_l("The comment contains characters that are not text."), code="comment_binary")
    return text


def _rate_limit(user_id: int, ip: str | None) -> None:
    """Per-user and per-address comment limits (one Redis round trip for both when shared)."""
    config = current_app.config
    checks = [(config["COMMENT_RATE_USER"], "live-comment-user", f"u{user_id}")]
    if ip:
        checks.append((config["COMMENT_RATE_IP"], "live-comment-ip", f"ip{ip}"))
    if not ratelimit.hit_all(checks):
        raise RateLimited(_l("You are commenting too fast. Please wait a moment."), code="comment_rate_limited")


class LiveRoom(NamedTuple):
    """What posting a comment needs of its live episode."""

    id: int
    live_at: datetime | None
    slow_mode_seconds: int
    host_user_id: int | None


def _author_and_room(conn, actor: Actor, episode_id: int) -> tuple[User, str | None, LiveRoom]:
    """The commenting user (a detached copy) and their observer kind, unless banned or muted; the live episode."""
    row = conn.execute(_AUTHOR_AND_ROOM, {"episode_id": episode_id, "user_id": actor.user_id}).first()
    if row is None or row.banned_at is not None:
        raise NotAllowed(_l("Your account is banned from commenting."), code="user_banned")
    if row.muted:
        raise NotAllowed(_l("You have been muted in this live room."), code="user_muted")
    if row.state != "live":
        live_episode(actor, episode_id)  # raises the fitting refusal: not found, or not live
    # Not loaded into the session: the comment path must not begin a transaction there.
    author = User(id=actor.user_id, display_name=row.display_name, role=row.role)
    return author, row.observer_kind, LiveRoom(episode_id, row.live_at, row.slow_mode_seconds, row.host_user_id)


def _check_slow_mode(conn, actor: Actor, episode: LiveRoom, now: datetime) -> None:
    """Refuse a second comment inside the episode's slow-mode window (hosts are exempt)."""
    if episode.slow_mode_seconds and not is_host(actor, episode):
        last = conn.execute(select(func.max(Comment.created_at)).where(
            Comment.episode_id == episode.id, Comment.user_id == actor.user_id)).scalar()
        if last is not None and (now - last).total_seconds() < episode.slow_mode_seconds:
            raise RateLimited(_l("Slow mode is on: one comment every %(n)s seconds.", n=episode.slow_mode_seconds),
                              code="slow_mode", details={"seconds": episode.slow_mode_seconds})


@contextmanager
def _comment_connection() -> Iterator[Connection]:
    """Where a comment is written: PostgreSQL, a pooled connection in autocommit; SQLite, the session's.

    On PostgreSQL nothing then spans two round trips in one transaction: the seq is taken by an
    UPDATE that commits at once (app/live/seqs.py) and the insert commits on its own, so the
    commits of concurrent comments reach the disk together instead of one after the other.
    SQLite has one writer at a time and never yields to other greenlets inside a call: there the
    seq and the insert share the session's transaction and roll back together.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    else:
        yield db.session.connection()


def _store(conn, episode_id: int, fields: dict) -> tuple[int, int] | None:
    """Take the episode's next seq and insert the comment: (id, seq), or None if it is no longer live."""
    seq = seqs.take(conn, episode_id)
    params = {"c_episode_id": episode_id, "c_seq": seq, **{f"c_{name}": value for name, value in fields.items()}}
    if conn.dialect.name != "postgresql":  # one transaction: a failure takes the seq back with it
        comment_id = conn.execute(_INSERT_IF_LIVE, params).scalar()
        return (comment_id, seq) if comment_id is not None else None
    try:
        comment_id = conn.execute(_INSERT_IF_LIVE, params).scalar()
    except BaseException:  # a failure, or the ack's deadline (gevent.Timeout) firing mid-insert
        broadcast.skip_seq(episode_id, seq)  # the seq is spent: viewers must not wait 2 s for it
        raise
    if comment_id is None:
        broadcast.skip_seq(episode_id, seq)
        return None
    return comment_id, seq


def post_comment(actor: Actor, episode_id: int, body: object, *, kind: object = "comment",
                 now: datetime, ip: str | None = None) -> Comment:
    """Post a comment or question to a live episode; held for review when the word filter hits.

    Returns the comment as stored (not attached to the session). Viewers get it, or a `skip` of
    its seq when it is held, after the unit of work commits (app/live/ordering.py).
    """
    require_login(actor)
    text = clean_body(body)
    if kind not in COMMENT_KINDS:
        raise ValidationFailed(_l("Unknown kind of comment."), code="comment_kind_invalid")
    with _comment_connection() as conn:
        author, observer_kind, episode = _author_and_room(conn, actor, episode_id)
        _rate_limit(actor.user_id, ip)
        _check_slow_mode(conn, actor, episode, now)
        held = find_word(text) is not None
        fields = {"user_id": actor.user_id, "kind": kind, "body": text, "state": "held" if held else "published",
                  "created_at": now, "offset_seconds": _offset(episode, now), "upvotes": 0}
        stored = _store(conn, episode.id, fields)
    if stored is None:  # the episode ended between the read and the write
        live_episode(actor, episode_id)  # raises: the episode is no longer live
        raise Conflict(_l("Comments are open only while the episode is live."), code="episode_not_live")
    comment = Comment(id=stored[0], episode_id=episode.id, seq=stored[1], user=author, **fields)
    if held:
        broadcast.queue_item(episode.id, {"type": SKIP, "seq": comment.seq})
    else:
        broadcast.queue_item(episode.id, broadcast.comment_item(comment, observer_kind=observer_kind))
    return comment


def next_seq(episode_id: int) -> int:
    """Take the episode's next comment number in the session's transaction, whatever its state (moderation)."""
    return seqs.take(db.session.connection(), episode_id)


def _offset(episode: LiveRoom, now: datetime) -> int | None:
    return max(0, int((now - episode.live_at).total_seconds())) if episode.live_at else None


def published_count(episode_id: int) -> int:
    """How many comments and questions of an episode are published."""
    return db.session.scalar(select(func.count(Comment.id)).where(
        Comment.episode_id == episode_id, Comment.state == "published")) or 0


def published(episode_id: int):
    """Published comments of an episode, authors and their observer kinds loaded (no query per row)."""
    kind = select(Observer.kind).where(Observer.user_id == Comment.user_id).scalar_subquery()
    return (select(Comment).where(Comment.episode_id == episode_id, Comment.state == "published")
            .options(selectinload(Comment.user), with_expression(Comment.observer_kind, kind)))


def history(episode_id: int, last_seq: int | None = None, limit: int | None = None) -> tuple[list[Comment], bool]:
    """Recent history (last 50), or every published comment after last_seq (up to limit); and `more`."""
    if last_seq is None:
        rows = db.session.scalars(published(episode_id).order_by(Comment.seq.desc()).limit(HISTORY_SIZE)).all()
        return list(reversed(rows)), False
    limit = limit or RESUME_CAP
    rows = db.session.scalars(published(episode_id).where(Comment.seq > last_seq)
                              .order_by(Comment.seq).limit(limit + 1)).all()
    return list(rows[:limit]), len(rows) > limit


def hidden_since(episode_id: int, last_seq: int, limit: int = 500) -> list[int]:
    """Ids of hidden or held comments up to last_seq, for a resuming client to drop."""
    return list(db.session.scalars(select(Comment.id).where(
        Comment.episode_id == episode_id, Comment.seq <= last_seq, Comment.state != "published")
        .order_by(Comment.seq.desc()).limit(limit)))


def _question(actor: Actor, comment_id: int) -> tuple[Comment, Episode]:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_l("No such comment."), code="comment_not_found")
    episode = visible_episode(actor, comment.episode_id)
    return comment, episode


def answer(actor: Actor, comment_id: int, body: object, *, now: datetime) -> Comment:
    """Answer a question (host, coordinator, staff of a participating agency)."""
    require_login(actor)
    comment, episode = _question(actor, comment_id)
    if not may_answer(actor, episode):
        raise NotAllowed(_l("Only the host and the agencies taking part may answer."), code="answer_forbidden")
    if comment.kind != "question" or comment.state != "published":
        raise Conflict(_l("Only published questions can be answered."), code="not_a_question")
    comment.answer_body = clean_body(body, 2000)
    comment.answered_by_id, comment.answered_at = actor.user_id, now
    db.session.flush()
    broadcast.queue_item(episode.id, {"type": "answer", "id": comment.id, "answer": comment.answer_body,
                                      "by": actor.display_name})
    return comment


def upvote(actor: Actor, comment_id: int, *, now: datetime) -> Comment:
    """Upvote a question once per user."""
    require_login(actor)
    comment, episode = _question(actor, comment_id)
    if comment.kind != "question" or comment.state != "published":
        raise Conflict(_l("Only published questions can be upvoted."), code="not_a_question")
    if db.session.get(QuestionUpvote, (comment.id, actor.user_id)) is not None:
        raise Conflict(_l("You have already upvoted this question."), code="already_upvoted")
    db.session.add(QuestionUpvote(comment_id=comment.id, user_id=actor.user_id, created_at=now))
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(upvotes=Comment.upvotes + 1)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(comment)
    broadcast.queue_item(episode.id, {"type": "upvote", "id": comment.id, "upvotes": comment.upvotes})
    return comment


def questions(episode_id: int, limit: int = 200) -> list[Comment]:
    """Published questions ranked by upvotes (then oldest first)."""
    return list(db.session.scalars(published(episode_id).where(Comment.kind == "question")
                                   .order_by(Comment.upvotes.desc(), Comment.seq).limit(limit)))


def pin(actor: Actor, episode_id: int, *, comment_id: int | None = None, note_id: int | None = None,
        now: datetime) -> Episode:
    """Pin one published comment or one note for everyone (host/coordinator); neither unpins."""
    require_login(actor)
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    item = None
    if comment_id is not None:
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.episode_id != episode.id or comment.state != "published":
            raise NotFound(_l("No such comment."), code="comment_not_found")
        item = broadcast.comment_item(comment)
    elif note_id is not None:
        note = db.session.get(LiveNote, note_id)
        if note is None or note.episode_id != episode.id:
            raise NotFound(_l("No such note."), code="note_not_found")
        item = broadcast.note_item(note)
    episode.pinned_comment_id, episode.pinned_note_id = comment_id, note_id if comment_id is None else None
    db.session.flush()
    audit(actor, "live.pin", "episode", episode.id, now=now, data={"comment_id": comment_id, "note_id": note_id})
    broadcast.queue_item(episode.id, {"type": "pin", "item": item})
    return episode


def pinned_item(episode: Episode) -> dict | None:
    """The pinned comment or note as viewers see it."""
    if episode.pinned_comment_id:
        comment = db.session.get(Comment, episode.pinned_comment_id)
        return broadcast.comment_item(comment) if comment and comment.state == "published" else None
    if episode.pinned_note_id:
        note = db.session.get(LiveNote, episode.pinned_note_id)
        return broadcast.note_item(note) if note else None
    return None
