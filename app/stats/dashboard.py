"""The coordinator dashboard: everything that needs an action now (read side only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.live.models import Comment
from app.observers.models import Invitation, ObserverNote
from app.observers.queries import overdue_clause
from app.parties.alerts import alerted_parties
from app.parties.complaints import overdue_clause as complaint_overdue
from app.parties.models import ConductComplaint, PartyStatement
from app.polls.models import Poll, Topic
from app.stats.datasets import OPEN_FINDING_STATES

#: Items listed per section (the count says how many there are in all).
LIMIT = 20


@dataclass
class Section:
    """One kind of pending work: how many, and the first LIMIT items."""

    count: int
    items: list = field(default_factory=list)


@dataclass
class Dashboard:
    """What needs the coordinator's action now."""

    polls_to_decide: Section
    pending_proposals: Section
    held_comments: Section
    follow_ups_to_review: Section
    overdue_findings: Section
    overdue_notes: Section
    episodes_without_stream: Section
    episodes_without_observers: Section
    repeated_inspections: Section
    party_statements: Section
    overdue_complaints: Section
    complaints_to_decide: Section

    @property
    def total(self) -> int:
        """All pending items."""
        return sum(getattr(self, name).count for name in self.__dataclass_fields__)


def _section(query, order, options=()) -> Section:
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.options(*options).order_by(*order).limit(LIMIT))) if count else []
    return Section(count, items)


def dashboard(now: datetime) -> Dashboard:
    """Collect every section as of now."""
    upcoming = select(Episode).where(Episode.state.in_(("draft", "scheduled")), Episode.scheduled_start >= now)
    accepted = select(Invitation.episode_id).where(Invitation.state == "accepted")
    held = (select(Episode.id, Episode.number, Episode.title, func.count(Comment.id).label("held"))
            .join(Comment, Comment.episode_id == Episode.id).where(Comment.state == "held")
            .group_by(Episode.id, Episode.number, Episode.title))
    held_rows = db.session.execute(held.order_by(Episode.number.desc()).limit(LIMIT)).all()
    return Dashboard(
        polls_to_decide=_section(select(Poll).where(Poll.state == "closed"), [Poll.closes_at]),
        pending_proposals=_section(select(Topic).where(Topic.state == "pending"), [Topic.created_at],
                                   [selectinload(Topic.poll)]),
        held_comments=Section(sum(r.held for r in db.session.execute(held).all()), held_rows),
        follow_ups_to_review=_section(select(FollowUp).where(FollowUp.state == "submitted"),
                                      [FollowUp.submitted_at],
                                      [selectinload(FollowUp.agency), selectinload(FollowUp.episode)]),
        overdue_findings=_section(select(Finding).where(Finding.state.in_(OPEN_FINDING_STATES),
                                                        Finding.rectify_by < now),
                                  [Finding.rectify_by], [selectinload(Finding.agency), selectinload(Finding.episode)]),
        overdue_notes=_section(select(ObserverNote).where(overdue_clause(now)), [ObserverNote.answer_due]),
        episodes_without_stream=_section(upcoming.where(Episode.stream_url.is_(None) | (Episode.stream_url == "")),
                                         [Episode.scheduled_start]),
        episodes_without_observers=_section(upcoming.where(Episode.id.not_in(accepted)), [Episode.scheduled_start]),
        repeated_inspections=Section(*alerted_parties(now, LIMIT)),
        party_statements=_section(select(PartyStatement).where(PartyStatement.state == "pending"),
                                  [PartyStatement.created_at], [selectinload(PartyStatement.inspection)]),
        overdue_complaints=_section(select(ConductComplaint).where(complaint_overdue(now)),
                                    [ConductComplaint.answer_due], [selectinload(ConductComplaint.agency)]),
        complaints_to_decide=_section(select(ConductComplaint).where(ConductComplaint.state == "answered"),
                                      [ConductComplaint.answered_at], [selectinload(ConductComplaint.agency)]),
    )
