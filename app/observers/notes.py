"""Observer notes (监督意见): written by invited observers, answered by the addressed agency."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.services import audit, notify
from app.observers.models import NOTE_ASPECTS, NOTE_VISIBILITY, Invitation, ObserverNote
from app.observers.services import observer_of_user, require_coordinator, zh

#: Default time an agency has to answer, from the moment the note is written.
DEFAULT_ANSWER_DAYS = 7
#: Notes may be written once the live started: during it and afterwards.
NOTE_STATES = ("live", "ended", "follow_up", "closed")
NOTE_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 2000


def get_note(note_id: int) -> ObserverNote:
    """A note by id, or observer_note_not_found."""
    note = db.session.get(ObserverNote, note_id)
    if note is None:
        raise NotFound(_l("No such observer note."), code="observer_note_not_found")
    return note


def coordinator_ids() -> list[int]:
    """Accounts of the coordinator's office (coordinators and admins)."""
    return list(db.session.scalars(select(User.id).where(User.role.in_(("coordinator", "admin")),
                                                         User.banned_at.is_(None))))


def agency_staff_ids(agency_id: int) -> list[int]:
    """Accounts of one agency's staff."""
    return list(db.session.scalars(select(User.id).where(User.role == "agency_staff",
                                                         User.agency_id == agency_id,
                                                         User.banned_at.is_(None))))


def _text(value: object, limit: int, code: str, field: str) -> str:
    text = (value if isinstance(value, str) else "").strip()
    if not text or len(text) > limit:
        raise ValidationFailed(_l("Write between 1 and %(limit)s characters.", limit=limit), code=code,
                               details={"fields": {field: ["length"]}})
    return text


def post_note(actor: Actor, episode_id: int, *, agency_id: int, aspect: str, body: object,
              visibility: str = "public", now: datetime) -> ObserverNote:
    """Record an observer's opinion on an episode's enforcement, addressed to a participating agency."""
    require_login(actor)
    observer = observer_of_user(actor.user_id)
    if observer is None:
        raise NotAllowed(_l("Only observers can write observer notes."), code="note_observers_only")
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.state == "draft":
        raise NotFound(_l("No such episode."), code="episode_not_found")
    invitation = db.session.scalar(select(Invitation).where(Invitation.episode_id == episode.id,
                                                            Invitation.observer_id == observer.id))
    if invitation is None or invitation.state != "accepted":
        raise NotAllowed(_l("Only observers who accepted an invitation to this episode can write notes on it."),
                         code="note_not_invited")
    if episode.state not in NOTE_STATES:
        raise Conflict(_l("Notes can be written once the live has started."), code="note_too_early")
    if agency_id not in {p.agency_id for p in episode.participations}:
        raise ValidationFailed(_l("Address the note to an agency taking part in this episode."),
                               code="note_agency_invalid", details={"fields": {"agency_id": ["invalid"]}})
    if aspect not in NOTE_ASPECTS:
        raise ValidationFailed(_l("Choose what the note is about."), code="note_aspect_invalid",
                               details={"fields": {"aspect": ["invalid"]}})
    if visibility not in NOTE_VISIBILITY:
        raise ValidationFailed(_l("Choose who may read the note."), code="note_visibility_invalid",
                               details={"fields": {"visibility": ["invalid"]}})
    text = _text(body, NOTE_MAX_LENGTH, "note_body_invalid", "body")
    note = ObserverNote(episode_id=episode.id, observer_id=observer.id, agency_id=agency_id, aspect=aspect,
                        body=text, visibility=visibility, created_at=now,
                        answer_due=now + timedelta(days=DEFAULT_ANSWER_DAYS))
    db.session.add(note)
    db.session.flush()
    notify(agency_staff_ids(agency_id) + coordinator_ids(), "observer_note",
           zh("New observer note on episode %(number)s", number=episode.number), now=now, body=text[:200],
           link="/observers/notes", dedupe_key=f"observer_note:{note.id}:new")
    audit(actor, "observer_note.create", "observer_note", note.id, now=now)
    return note


def set_due(actor: Actor, note_id: int, due: datetime | None, *, now: datetime) -> ObserverNote:
    """The coordinator sets the agency's answer deadline (a later one clears the overdue flag)."""
    require_coordinator(actor)
    note = get_note(note_id)
    if due is None or due <= note.created_at:
        raise ValidationFailed(_l("The deadline must be after the note was written."), code="note_due_invalid",
                               details={"fields": {"answer_due": ["invalid"]}})
    if note.answered_at is not None:
        raise Conflict(_l("This note is already answered."), code="note_already_answered")
    note.answer_due = due
    if due > now:
        note.overdue_notified_at = None
    db.session.flush()
    audit(actor, "observer_note.due", "observer_note", note.id, now=now, data={"due": due.isoformat()})
    return note


def answer(actor: Actor, note_id: int, body: object, *, now: datetime) -> ObserverNote:
    """Staff of the addressed agency answer the note (once)."""
    require_login(actor)
    note = get_note(note_id)
    if actor.role != "agency_staff":
        raise NotAllowed(_l("Only staff of the addressed agency can answer this note."), code="note_agency_only")
    if not actor.is_agency_member(note.agency_id):
        raise NotAllowed(_l("This note is addressed to another agency."), code="note_wrong_agency")
    if note.answered_at is not None:
        raise Conflict(_l("This note is already answered."), code="note_already_answered")
    note.answer_body = _text(body, ANSWER_MAX_LENGTH, "note_answer_invalid", "body")
    note.answered_at, note.answered_by_id = now, actor.user_id
    db.session.flush()
    if note.observer.user_id:
        notify([note.observer.user_id], "observer_note_answered",
               zh("Your observer note was answered"), now=now, body=note.answer_body[:200],
               link="/me/observer", dedupe_key=f"observer_note:{note.id}:answered")
    audit(actor, "observer_note.answer", "observer_note", note.id, now=now)
    return note


def is_overdue(note: ObserverNote, now: datetime) -> bool:
    """Unanswered past its deadline."""
    return note.answered_at is None and note.answer_due is not None and note.answer_due <= now


def may_read(actor: Actor, note: ObserverNote) -> bool:
    """Public notes for everyone; coordinator-only ones for the coordinator, the author, the agency."""
    if note.visibility == "public":
        return True
    return (actor.is_coordinator or actor.is_agency_member(note.agency_id)
            or (actor.user_id is not None and note.observer.user_id == actor.user_id))
