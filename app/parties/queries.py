"""Read side of the party register: the public list, a party's record, what the coordinator reviews."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome
from app.findings.queries import PUBLIC_EPISODE_STATES, public_findings
from app.parties import alerts
from app.parties.models import Inspection, Party, PartyStatement


def register(q: str = "") -> Select:
    """Parties of the register (merged duplicates left out) with at least one public inspection, by name."""
    public = (select(Inspection.party_id).join(Episode, Inspection.episode_id == Episode.id)
              .where(Episode.state.in_(PUBLIC_EPISODE_STATES)))
    query = select(Party).where(Party.merged_into_id.is_(None), Party.id.in_(public))
    q = (q or "").strip()[:60]
    if q:
        query = query.where(or_(Party.name.icontains(q, autoescape=True), Party.credit_code == q.upper()))
    return query.order_by(Party.name, Party.id)


def inspection_counts(party_ids: list[int]) -> dict[int, int]:
    """Public inspections per party."""
    if not party_ids:
        return {}
    rows = db.session.execute(select(Inspection.party_id, func.count(Inspection.id))
                              .join(Episode, Inspection.episode_id == Episode.id)
                              .where(Inspection.party_id.in_(party_ids), Episode.state.in_(PUBLIC_EPISODE_STATES))
                              .group_by(Inspection.party_id))
    return dict(rows.all())


@dataclass
class PartyRecord:
    """What a party's public page shows."""

    party: Party
    inspections: list[Inspection]
    findings: list[Finding]
    follow_ups: list[FollowUp]
    statements: dict[int, list[PartyStatement]]
    recent_inspections: int
    alerted: bool
    limit: alerts.Limit


def party_record(party: Party, now: datetime) -> PartyRecord:
    """The party's public inspections (episodes), findings, published follow-ups and statements."""
    inspections = list(db.session.scalars(
        select(Inspection).join(Episode, Inspection.episode_id == Episode.id)
        .where(Inspection.party_id == party.id, Episode.state.in_(PUBLIC_EPISODE_STATES))
        .options(selectinload(Inspection.episode)).order_by(Inspection.inspected_at.desc())))
    findings = list(db.session.scalars(public_findings().where(Finding.party_id == party.id)
                                       .order_by(Finding.created_at.desc(), Finding.id.desc())))
    ids = [f.id for f in findings]
    follow_ups = list(db.session.scalars(
        select(FollowUp).where(FollowUp.state == "published", FollowUp.id.in_(
            select(FollowUpOutcome.follow_up_id).where(FollowUpOutcome.finding_id.in_(ids))))
        .options(selectinload(FollowUp.agency)).order_by(FollowUp.published_at.desc()))) if ids else []
    count = alerts.recent_count(party.id, now)
    rule = alerts.limit()
    return PartyRecord(party, inspections, findings, follow_ups, published_statements(ids), count,
                       count > rule.max_inspections, rule)


def published_statements(finding_ids: list[int]) -> dict[int, list[PartyStatement]]:
    """Published party statements per finding."""
    out: dict[int, list[PartyStatement]] = {}
    if not finding_ids:
        return out
    for statement in db.session.scalars(select(PartyStatement).where(
            PartyStatement.finding_id.in_(finding_ids), PartyStatement.state == "published")
            .order_by(PartyStatement.reviewed_at)):
        out.setdefault(statement.finding_id, []).append(statement)
    return out


def statements_in_state(state: str) -> Select:
    """Statements in one state (pending, published, rejected), in the order they came."""
    return select(PartyStatement).where(PartyStatement.state == state).order_by(PartyStatement.id)


def pending_statements() -> Select:
    """Statements waiting for the coordinator's review, oldest first."""
    return (select(PartyStatement).where(PartyStatement.state == "pending")
            .options(selectinload(PartyStatement.finding), selectinload(PartyStatement.inspection)
                     .selectinload(Inspection.party)).order_by(PartyStatement.created_at, PartyStatement.id))


def answered_inspections(limit: int = 50) -> list[Inspection]:
    """The latest answers of parties (confirmation and ratings), for the coordinator."""
    return list(db.session.scalars(select(Inspection).where(Inspection.party_responded_at.is_not(None))
                                   .options(selectinload(Inspection.party), selectinload(Inspection.episode))
                                   .order_by(Inspection.party_responded_at.desc()).limit(limit)))


def open_rows() -> list[dict]:
    """The parties dataset: per party with a public inspection, its inspection dates, the party's answers and
    finding ids. Like the findings dataset it carries no name, credit code or address (docs/open-data.md)."""
    from app.agencies.models import Domain

    codes = dict(db.session.execute(select(Domain.id, Domain.code)).all())
    inspections: dict[int, list[tuple]] = {}
    for party_id, at, took_place, answered in db.session.execute(
            select(Inspection.party_id, Inspection.inspected_at, Inspection.took_place, Inspection.party_responded_at)
            .join(Episode, Inspection.episode_id == Episode.id).where(Episode.state.in_(PUBLIC_EPISODE_STATES))
            .order_by(Inspection.inspected_at)):
        inspections.setdefault(party_id, []).append((at, took_place, answered))
    findings: dict[int, list[int]] = {}
    for party_id, finding_id in db.session.execute(
            select(Finding.party_id, Finding.id).join(Episode, Finding.episode_id == Episode.id)
            .where(Episode.state.in_(PUBLIC_EPISODE_STATES), Finding.party_id.is_not(None)).order_by(Finding.id)):
        findings.setdefault(party_id, []).append(finding_id)
    statements = dict(db.session.execute(
        select(Inspection.party_id, func.count(PartyStatement.id)).join(Inspection)
        .where(PartyStatement.state == "published").group_by(Inspection.party_id)).all())
    rows = []
    for party_id, domain_id in db.session.execute(
            select(Party.id, Party.domain_id).where(Party.merged_into_id.is_(None), Party.id.in_(list(inspections)))
            .order_by(Party.id)):
        mine = inspections[party_id]
        rows.append({"id": party_id, "domain": codes.get(domain_id), "inspections": len(mine),
                     "inspected_at": [at for at, _, _ in mine],
                     "confirmed_by_party": sum(1 for _, took, at in mine if at is not None and took),
                     "disputed_by_party": sum(1 for _, took, at in mine if at is not None and not took),
                     "published_statements": statements.get(party_id, 0), "finding_ids": findings.get(party_id, [])})
    return rows
