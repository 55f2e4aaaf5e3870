"""Read side of the observers area: rotation, an observer's page, listings, note visibility."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, and_, case, or_, select

from app.core.auth import Actor
from app.episodes.models import Episode
from app.extensions import db
from app.observers.models import OBSERVER_KINDS, Invitation, Observer, ObserverNote

#: A supervisor is "due" when not invited to any of the last ROTATION_EPISODES held episodes
#: and not invited to any episode starting within the last ROTATION_DAYS days.
ROTATION_EPISODES = 3
ROTATION_DAYS = 60


def local_today(now: datetime) -> date:
    """Today's date in the display time zone."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return now.astimezone(zone).date()


@dataclass
class RotationRow:
    """One observer's record in the rotation view."""

    observer: Observer
    invited: int
    attended: int
    last_invited: datetime | None
    last_attended: datetime | None
    invited_this_year: bool
    due: bool


def rotation(now: datetime, kind: str | None = None) -> list[RotationRow]:
    """Every observer with how often they were invited and attended; due supervisors first."""
    year = local_today(now).year
    recent_ids = set(db.session.scalars(select(Episode.id).where(
        Episode.state != "draft", Episode.scheduled_start <= now)
        .order_by(Episode.scheduled_start.desc()).limit(ROTATION_EPISODES)))
    rows = db.session.execute(select(Invitation, Episode).join(Episode, Episode.id == Invitation.episode_id)
                              .where(Invitation.state != "revoked")).all()
    by_observer: dict[int, list[tuple[Invitation, Episode]]] = {}
    for invitation, episode in rows:
        by_observer.setdefault(invitation.observer_id, []).append((invitation, episode))
    query = select(Observer).order_by(Observer.kind, Observer.name, Observer.id)
    if kind in OBSERVER_KINDS:
        query = query.where(Observer.kind == kind)
    result = []
    for observer in db.session.scalars(query):
        mine = by_observer.get(observer.id, [])
        starts = [e.scheduled_start for _, e in mine]
        attended = [e.scheduled_start for i, e in mine if i.checked_in_at is not None]
        zone_year = [s for s in starts if local_today(s).year == year]
        recently = any(e.id in recent_ids for _, e in mine) or any(
            now - timedelta(days=ROTATION_DAYS) <= s for s in starts)
        due = observer.kind == "supervisor" and not recently
        result.append(RotationRow(observer, len(mine), len(attended), max(starts, default=None),
                                  max(attended, default=None), bool(zone_year), due))
    far = datetime.min.replace(tzinfo=now.tzinfo)
    result.sort(key=lambda r: (not r.due, r.last_invited or far))
    return result


def registry() -> list[Observer]:
    """Every observer in the registry, by kind and name."""
    return list(db.session.scalars(select(Observer).order_by(Observer.kind, Observer.name)))


def invitable(episode_id: int) -> list[Observer]:
    """Observers not yet invited to an episode (a revoked invitation may be renewed), by kind and name."""
    invited = {i.observer_id for i in invitations_of(episode_id) if i.state != "revoked"}
    return [o for o in registry() if o.id not in invited]


def invitations_of(episode_id: int) -> list[Invitation]:
    """An episode's invitations, observers loaded, by state then name."""
    return list(db.session.scalars(select(Invitation).join(Observer).where(Invitation.episode_id == episode_id)
                                   .order_by(Invitation.state, Observer.name)))


def listed_observers(episode_id: int) -> dict[str, list[Observer]]:
    """Accepted observers who agreed to be listed, by kind (in OBSERVER_KINDS order)."""
    observers = db.session.scalars(select(Observer).join(Invitation).where(
        Invitation.episode_id == episode_id, Invitation.state == "accepted", Observer.listed.is_(True))
        .order_by(Observer.name)).all()
    grouped: dict[str, list[Observer]] = {}
    for kind in OBSERVER_KINDS:
        members = [o for o in observers if o.kind == kind]
        if members:
            grouped[kind] = members
    return grouped


def my_invitations(observer_id: int) -> list[Invitation]:
    """An observer's invitations, newest episode first."""
    return list(db.session.scalars(select(Invitation).join(Episode).where(Invitation.observer_id == observer_id)
                                   .order_by(Episode.scheduled_start.desc())))


def readable_notes(actor: Actor) -> Select:
    """Notes the actor may read: public ones, plus coordinator-only ones they are party to."""
    query = select(ObserverNote)
    if actor.is_coordinator:
        return query
    allowed = [ObserverNote.visibility == "public"]
    if actor.role == "agency_staff" and actor.agency_id is not None:
        allowed.append(ObserverNote.agency_id == actor.agency_id)
    if actor.user_id is not None:
        allowed.append(ObserverNote.observer_id.in_(select(Observer.id).where(Observer.user_id == actor.user_id)))
    return query.where(or_(*allowed))


def overdue_clause(now: datetime):
    """SQL condition: unanswered and past the deadline."""
    return and_(ObserverNote.answered_at.is_(None), ObserverNote.answer_due.is_not(None),
                ObserverNote.answer_due <= now)


def notes_page(actor: Actor, now: datetime, limit: int = 200) -> list[ObserverNote]:
    """The notes page: notes the actor may read (an agency's own only), overdue first, then unanswered."""
    query = readable_notes(actor)
    if actor.role == "agency_staff":
        query = query.where(ObserverNote.agency_id == actor.agency_id)
    overdue_first = case((overdue_clause(now), 0), (ObserverNote.answered_at.is_(None), 1), else_=2)
    return list(db.session.scalars(query.order_by(overdue_first, ObserverNote.answer_due, ObserverNote.id.desc())
                                   .limit(limit)))


def notes_of_observer(observer_id: int) -> list[ObserverNote]:
    """An observer's own notes, newest first."""
    return list(db.session.scalars(select(ObserverNote).where(ObserverNote.observer_id == observer_id)
                                   .order_by(ObserverNote.created_at.desc())))


def notes_for_agency(agency_id: int) -> list[ObserverNote]:
    """An agency's public notes with their answers, newest first (its public page)."""
    return list(db.session.scalars(select(ObserverNote).where(
        ObserverNote.agency_id == agency_id, ObserverNote.visibility == "public")
        .order_by(ObserverNote.created_at.desc())))


def observer_kind_of(user) -> str | None:
    """The observer kind of an account, for badges (only observer accounts are looked up)."""
    if user is None or user.role != "observer":
        return None
    return db.session.scalar(select(Observer.kind).where(Observer.user_id == user.id))
