"""Read-side rules for episodes: who may see which."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, Domain
from app.core.auth import ANONYMOUS, Actor
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.notifications.queries import follows

PUBLIC_STATES = ("scheduled", "live", "ended", "follow_up", "closed")


def visible_episodes(actor: Actor, eager: bool = True) -> Select:
    """Episodes the actor may see: public ones; drafts only for the coordinator and its agencies.

    eager=False skips loading agencies and domain up front (one query instead of four): the
    live room's hot paths (each comment, each join) need only the episode row.
    """
    query = select(Episode)
    if eager:
        query = query.options(selectinload(Episode.participations).selectinload(EpisodeAgency.agency),
                              selectinload(Episode.domain))
    if actor.is_coordinator:
        return query
    if actor.role == "agency_staff" and actor.agency_id:
        own = select(EpisodeAgency.episode_id).where(EpisodeAgency.agency_id == actor.agency_id)
        return query.where(or_(Episode.state.in_(PUBLIC_STATES), Episode.id.in_(own)))
    return query.where(Episode.state.in_(PUBLIC_STATES))


def filter_episodes(query: Select, state: str | None, domain: str | None, agency: str | None) -> Select:
    """Narrow an episode query by state, domain code and agency slug."""
    if state:
        query = query.where(Episode.state == state)
    if domain:
        query = query.where(Episode.domain_id.in_(select(Domain.id).where(Domain.code == domain)))
    if agency:
        query = query.where(Episode.id.in_(
            select(EpisodeAgency.episode_id).join(Agency).where(Agency.slug == agency)))
    return query


#: States of episodes already broadcast: the archive (teaching library).
ARCHIVE_STATES = ("ended", "follow_up", "closed")
#: Pages show years in the display time zone (China Standard Time has no DST).
CST = timedelta(hours=8)


def schedule(actor: Actor) -> Select:
    """Live and scheduled episodes, soonest first."""
    return visible_episodes(actor).where(Episode.state.in_(("live", "scheduled"))).order_by(
        Episode.state, Episode.scheduled_start, Episode.id)  # "live" sorts before "scheduled"


def agency_episodes(agency_id: int, limit: int = 50) -> list[Episode]:
    """The published episodes an agency took part in, newest first (its public page)."""
    return list(db.session.scalars(
        visible_episodes(ANONYMOUS).where(Episode.id.in_(
            select(EpisodeAgency.episode_id).where(EpisodeAgency.agency_id == agency_id)))
        .order_by(Episode.scheduled_start.desc()).limit(limit)))


def archive_years() -> list[int]:
    """Years (display time zone) that have broadcast episodes, newest first."""
    starts = db.session.scalars(select(Episode.scheduled_start).where(Episode.state.in_(ARCHIVE_STATES)))
    return sorted({(s + CST).year for s in starts}, reverse=True)


def published_episodes() -> Select:
    """Every published episode (the public iCalendar feed), by start time."""
    return visible_episodes(ANONYMOUS).order_by(Episode.scheduled_start, Episode.id)


def is_following(user_id: int | None, episode_id: int) -> bool:
    """True when the user asked to be reminded of this episode."""
    return follows(user_id, "episode", episode_id)


def page_of(query: Select, page: int, per_page: int = 12) -> tuple[list, dict]:
    """One page of a select and its facts (page, pages, total)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, (total + per_page - 1) // per_page)
    page = min(max(1, page), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return items, {"page": page, "pages": pages, "total": total, "per_page": per_page}


def episode_of(poll) -> Episode | None:
    """The episode created from the poll's decided topic, if any."""
    if poll.decided_topic_id is None:
        return None
    return db.session.scalar(select(Episode).where(Episode.topic_id == poll.decided_topic_id))
