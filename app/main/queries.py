"""Read-only queries for the home page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.findings.queries import PUBLIC_EPISODE_STATES as FINDING_EPISODE_STATES
from app.polls.models import Poll

PUBLIC_EPISODE_STATES = ("scheduled", "live", "ended", "follow_up", "closed")


@dataclass
class HomePage:
    """What the home page shows."""

    live: list[Episode]
    upcoming: list[Episode]
    open_poll: Poll | None
    follow_ups: list[FollowUp]
    past: list[Episode]
    figures: "Figures"


@dataclass
class Figures:
    """The program in four numbers (the statistics page will hold the rest)."""

    episodes: int
    views: int
    agencies: int
    #: Rectified findings / findings due; None while nothing is due yet.
    rectification_rate: float | None


def figures(now: datetime) -> Figures:
    """Episodes held, total views, agencies taking part, rectification rate of due findings."""
    held = Episode.state.in_(("ended", "follow_up", "closed"))
    episodes, views = db.session.execute(
        select(func.count(Episode.id), func.coalesce(func.sum(Episode.view_count), 0)).where(held)).one()
    agencies = db.session.scalar(select(func.count(func.distinct(EpisodeAgency.agency_id)))
                                 .join(Episode).where(held)) or 0
    due, rectified = db.session.execute(
        select(func.count(Finding.id),
               func.count(Finding.id).filter(Finding.state.in_(("rectified", "closed"))))
        .join(Episode, Finding.episode_id == Episode.id)
        # The same findings as the statistics page and open data: those of published episodes.
        .where(Finding.rectify_by <= now, Episode.state.in_(FINDING_EPISODE_STATES))).one()
    return Figures(episodes, int(views), agencies, (rectified / due) if due else None)


def _episodes():
    return select(Episode).options(
        selectinload(Episode.participations).selectinload(EpisodeAgency.agency),
        selectinload(Episode.domain))


def home_page(now: datetime) -> HomePage:
    """Live now, coming up, the open poll, recent follow-ups and recent episodes."""
    live = db.session.scalars(_episodes().where(Episode.state == "live")
                              .order_by(Episode.live_at.desc())).all()
    upcoming = db.session.scalars(_episodes().where(Episode.state == "scheduled")
                                  .order_by(Episode.scheduled_start).limit(3)).all()
    open_poll = db.session.scalar(select(Poll).where(Poll.state == "open")
                                  .options(selectinload(Poll.topics))
                                  .order_by(Poll.closes_at).limit(1))
    follow_ups = db.session.scalars(
        select(FollowUp).where(FollowUp.state == "published")
        .options(selectinload(FollowUp.episode), selectinload(FollowUp.agency),
                 selectinload(FollowUp.outcomes), selectinload(FollowUp.revisions))
        .order_by(FollowUp.published_at.desc()).limit(4)).all()
    past = db.session.scalars(_episodes().where(Episode.state.in_(("ended", "follow_up", "closed")))
                              .order_by(Episode.scheduled_start.desc()).limit(6)).all()
    return HomePage(list(live), list(upcoming), open_poll, list(follow_ups), list(past), figures(now))
