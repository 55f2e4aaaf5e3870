"""Read-side rules for episodes: who may see which."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, Domain
from app.core.auth import Actor
from app.episodes.models import Episode, EpisodeAgency

PUBLIC_STATES = ("scheduled", "live", "ended", "follow_up", "closed")


def visible_episodes(actor: Actor) -> Select:
    """Episodes the actor may see: public ones; drafts only for the coordinator and its agencies."""
    query = select(Episode).options(
        selectinload(Episode.participations).selectinload(EpisodeAgency.agency),
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
