"""Sweeps of the observers area: invitation reminders and overdue observer notes."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.episodes.models import Episode
from app.extensions import db
from app.notifications.services import notify
from app.observers.models import Invitation, Observer, ObserverNote
from app.observers.notes import agency_staff_ids, coordinator_ids
from app.observers.queries import overdue_clause
from app.observers.services import zh
from app.scheduler import sweep

#: Invited observers are reminded this long before the episode starts.
INVITATION_REMINDER_LEAD = timedelta(hours=24)


@sweep("observer_invitation_reminders", 300)
def invitation_reminders(now: datetime) -> int:
    """Remind observers with a pending or accepted invitation, once, within 24 h of the start."""
    due = db.session.scalars(select(Invitation).join(Episode).join(Observer).where(
        Invitation.state.in_(("pending", "accepted")), Invitation.reminded_at.is_(None),
        Observer.user_id.is_not(None), Episode.state == "scheduled",
        Episode.scheduled_start > now, Episode.scheduled_start <= now + INVITATION_REMINDER_LEAD)
        .order_by(Invitation.id)).all()
    for invitation in due:
        episode = invitation.episode
        if invitation.state == "accepted":
            title = zh("Reminder: you observe episode %(number)s tomorrow", number=episode.number)
        else:
            title = zh("Please answer your invitation to episode %(number)s", number=episode.number)
        notify([invitation.observer.user_id], "observer_reminder", title, now=now, body=episode.title,
               link=f"/invitations/{invitation.token}", dedupe_key=f"invitation:{invitation.id}:reminder")
        invitation.reminded_at = now
    return len(due)


@sweep("observer_notes_overdue", 600)
def overdue_notes(now: datetime) -> int:
    """Flag unanswered notes past their deadline once, and tell the agency's staff and the coordinator."""
    due = db.session.scalars(select(ObserverNote).where(
        overdue_clause(now), ObserverNote.overdue_notified_at.is_(None)).order_by(ObserverNote.id)).all()
    for note in due:
        notify(agency_staff_ids(note.agency_id) + coordinator_ids(), "observer_note_overdue",
               zh("An observer note on episode %(number)s is overdue", number=note.episode.number),
               now=now, body=note.body[:200], link="/observers/notes",
               dedupe_key=f"observer_note:{note.id}:overdue:{note.answer_due.isoformat()}")
        note.overdue_notified_at = now
    return len(due)
