"""Who may do what in a live room."""
from __future__ import annotations

from typing import Protocol

from flask_babel import lazy_gettext as _l
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound
from app.episodes.models import Episode
from app.episodes.queries import visible_episodes
from app.extensions import db


def visible_episode(actor: Actor, episode_id: int) -> Episode:
    """The episode if the actor may see it, else episode_not_found (agencies load lazily, when used).

    One query: a comment or a join at thousands per second must not load agencies each time
    (bench/live measured this as a third of a comment's server time).
    """
    episode = db.session.scalar(visible_episodes(actor, eager=False).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound(_l("No such episode."), code="episode_not_found")
    return episode


def live_episode(actor: Actor, episode_id: int) -> Episode:
    """The episode if it is live (every live episode is public), else the refusal that fits."""
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.state != "live":
        visible_episode(actor, episode_id)  # not found (or a draft the actor may not see)
        raise Conflict(_l("Comments are open only while the episode is live."), code="episode_not_live")
    return episode


class HasHost(Protocol):
    """An episode, or the comment path's LiveRoom: anything naming its host user."""

    host_user_id: int | None


def is_host(actor: Actor, episode: HasHost) -> bool:
    """The coordinator (and admins) or the episode's host user."""
    return actor.is_coordinator or (actor.user_id is not None and actor.user_id == episode.host_user_id)


def is_lead_staff(actor: Actor, episode: Episode) -> bool:
    """Staff of the episode's lead agency."""
    lead = next((p.agency_id for p in episode.participations if p.role == "lead"), None)
    return actor.is_agency_member(lead)


def may_open_console(actor: Actor, episode: Episode) -> bool:
    """Host console: coordinator, host user, lead agency staff."""
    return is_host(actor, episode) or is_lead_staff(actor, episode)


def may_answer(actor: Actor, episode: Episode) -> bool:
    """Answer questions: host, coordinator, staff of any participating agency."""
    return is_host(actor, episode) or any(actor.is_agency_member(p.agency_id) for p in episode.participations)


def require_host(actor: Actor, episode: Episode) -> None:
    """Pin, post notes, moderate the room: the coordinator or the host user."""
    require_login(actor)
    if not is_host(actor, episode):
        raise NotAllowed(_l("Only the host or the coordinator may do this."), code="live_host_only")


def require_console(actor: Actor, episode: Episode) -> None:
    """Open the host console."""
    require_login(actor)
    if not may_open_console(actor, episode):
        raise NotAllowed(_l("Only the host, the coordinator and the lead agency may open the console."),
                         code="live_console_forbidden")


def require_moderator(actor: Actor) -> None:
    """Site-wide moderation (bans, word list): the coordinator or an admin."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(_l("Only the coordinator may do this."), code="live_moderator_only")

