"""Moderation: approve held comments, hide/unhide, mute, ban, slow mode. Every action is audited and reversible."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.episodes.models import Episode
from app.extensions import db
from app.live import broadcast
from app.live.access import require_host, require_moderator, visible_episode
from app.live.comments import next_seq
from app.live.models import Comment, EpisodeMute
from app.notifications.services import audit

MAX_SLOW_MODE = 600


def _comment(actor: Actor, comment_id: int) -> tuple[Comment, Episode]:
    require_login(actor)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_l("No such comment."), code="comment_not_found")
    episode = visible_episode(actor, comment.episode_id)
    require_host(actor, episode)
    return comment, episode


def _republish(comment: Comment) -> None:
    """Publish again under a new seq, so clients resuming past its old seq still receive it."""
    comment.state = "published"
    comment.seq = next_seq(comment.episode_id)
    db.session.flush()
    broadcast.queue_item(comment.episode_id, broadcast.comment_item(comment))


def approve(actor: Actor, comment_id: int, *, now: datetime) -> Comment:
    """Publish a comment held by the word filter."""
    comment, _ = _comment(actor, comment_id)
    if comment.state != "held":
        raise Conflict(_l("Only held comments can be approved."), code="comment_not_held")
    comment.moderated_by_id = actor.user_id
    _republish(comment)
    audit(actor, "comment.approve", "comment", comment.id, now=now)
    return comment


def hide(actor: Actor, comment_id: int, *, now: datetime, reason: str = "") -> Comment:
    """Hide a comment: it vanishes from every viewer's screen."""
    comment, episode = _comment(actor, comment_id)
    if comment.state == "hidden":
        raise Conflict(_l("This comment is already hidden."), code="comment_already_hidden")
    was = comment.state
    comment.state, comment.moderated_by_id = "hidden", actor.user_id
    comment.moderation_reason = (reason or "").strip()[:200] or None
    if episode.pinned_comment_id == comment.id:
        episode.pinned_comment_id = None
        broadcast.queue_item(episode.id, {"type": "pin", "item": None})
    db.session.flush()
    audit(actor, "comment.hide", "comment", comment.id, now=now, reason=comment.moderation_reason,
          data={"from": was})
    broadcast.queue_item(episode.id, {"type": "hidden", "id": comment.id})
    return comment


def unhide(actor: Actor, comment_id: int, *, now: datetime) -> Comment:
    """Undo a hide: the comment is published again."""
    comment, _ = _comment(actor, comment_id)
    if comment.state != "hidden":
        raise Conflict(_l("This comment is not hidden."), code="comment_not_hidden")
    comment.moderated_by_id = actor.user_id
    _republish(comment)
    audit(actor, "comment.unhide", "comment", comment.id, now=now)
    return comment


def held(actor: Actor, episode_id: int, limit: int = 200) -> list[Comment]:
    """Comments awaiting review (host/coordinator)."""
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    return list(db.session.scalars(select(Comment).where(Comment.episode_id == episode.id, Comment.state == "held")
                                   .order_by(Comment.seq).limit(limit)))


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."), code="user_not_found")
    return user


def mute(actor: Actor, episode_id: int, user_id: int, *, now: datetime, reason: str = "") -> EpisodeMute:
    """Stop a user commenting in one episode."""
    require_login(actor)
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    _user(user_id)
    if db.session.get(EpisodeMute, (episode.id, user_id)) is not None:
        raise Conflict(_l("This user is already muted here."), code="user_already_muted")
    entry = EpisodeMute(episode_id=episode.id, user_id=user_id, muted_by_id=actor.user_id,
                        reason=(reason or "").strip()[:200], created_at=now)
    db.session.add(entry)
    db.session.flush()
    audit(actor, "live.mute", "user", user_id, now=now, reason=entry.reason or None,
          data={"episode_id": episode.id})
    return entry


def unmute(actor: Actor, episode_id: int, user_id: int, *, now: datetime) -> None:
    """Let a muted user comment again in the episode."""
    require_login(actor)
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    entry = db.session.get(EpisodeMute, (episode.id, user_id))
    if entry is None:
        raise Conflict(_l("This user is not muted here."), code="user_not_muted")
    db.session.delete(entry)
    db.session.flush()
    audit(actor, "live.unmute", "user", user_id, now=now, data={"episode_id": episode.id})


def ban(actor: Actor, user_id: int, *, now: datetime, reason: str = "") -> User:
    """Ban a user site-wide (coordinator): no log-in, no comments."""
    require_moderator(actor)
    user = _user(user_id)
    if user.role in ("coordinator", "admin"):
        raise Conflict(_l("Staff accounts cannot be banned here."), code="user_not_bannable")
    if user.banned_at is not None:
        raise Conflict(_l("This user is already banned."), code="user_already_banned")
    user.banned_at, user.ban_reason = now, (reason or "").strip()[:200] or None
    db.session.flush()
    audit(actor, "user.ban", "user", user.id, now=now, reason=user.ban_reason)
    return user


def unban(actor: Actor, user_id: int, *, now: datetime) -> User:
    """Lift a site-wide ban (coordinator)."""
    require_moderator(actor)
    user = _user(user_id)
    if user.banned_at is None:
        raise Conflict(_l("This user is not banned."), code="user_not_banned")
    user.banned_at, user.ban_reason = None, None
    db.session.flush()
    audit(actor, "user.unban", "user", user.id, now=now)
    return user


def set_slow_mode(actor: Actor, episode_id: int, seconds: object, *, now: datetime) -> Episode:
    """Set the minimum seconds between one user's comments (0 turns slow mode off)."""
    require_login(actor)
    episode = visible_episode(actor, episode_id)
    require_host(actor, episode)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_SLOW_MODE:
        raise ValidationFailed(_l("Slow mode takes 0 to %(n)s seconds.", n=MAX_SLOW_MODE), code="slow_mode_invalid")
    before = episode.slow_mode_seconds
    episode.slow_mode_seconds = seconds
    db.session.flush()
    audit(actor, "live.slow_mode", "episode", episode.id, now=now, data={"from": before, "to": seconds})
    broadcast.queue_item(episode.id, {"type": "slow_mode", "seconds": seconds})
    return episode
