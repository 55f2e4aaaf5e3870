"""Sweep of the parties area: conduct complaints past their answer deadline (notified once)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.findings.services import agency_staff_ids, coordinator_ids
from app.notifications.services import notify
from app.observers.services import zh
from app.parties.complaints import overdue_clause
from app.parties.models import ConductComplaint
from app.scheduler import sweep


@sweep("conduct_complaints_overdue", 600)
def overdue_complaints(now: datetime) -> int:
    """Tell the agency and the coordinator once when a complaint's answer is overdue (safe to rerun)."""
    due = db.session.scalars(select(ConductComplaint).where(
        overdue_clause(now), ConductComplaint.overdue_notified_at.is_(None)).order_by(ConductComplaint.id)).all()
    for complaint in due:
        notify(agency_staff_ids(complaint.agency_id) + coordinator_ids(), "conduct_complaint_overdue",
               zh("A conduct complaint on episode %(number)s is overdue", number=complaint.episode.number),
               now=now, body=complaint.body[:200], link="/complaints",
               dedupe_key=f"complaint:{complaint.id}:overdue:{complaint.answer_due.isoformat()}")
        complaint.overdue_notified_at = now
    return len(due)
