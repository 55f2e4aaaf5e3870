"""Read side of the follow-up loop: the public board, timelines, what each actor may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, Domain
from app.core.auth import Actor
from app.episodes.models import Episode
from app.extensions import db
from app.findings import stats
from app.findings.models import FINDING_STATES, Finding, FindingConfirmation, FollowUp, FollowUpOutcome
from app.findings.reports import PENDING_STATES

#: Episodes whose findings are public.
PUBLIC_EPISODE_STATES = ("live", "ended", "follow_up", "closed")
#: States the board filters on ("overdue" is derived, not stored).
BOARD_STATES = FINDING_STATES + ("overdue",)


def public_findings() -> Select:
    """Findings of broadcast episodes, with what the board shows."""
    return (select(Finding).join(Episode, Finding.episode_id == Episode.id)
            .where(Episode.state.in_(PUBLIC_EPISODE_STATES))
            .options(selectinload(Finding.episode), selectinload(Finding.agency), selectinload(Finding.domain),
                     selectinload(Finding.legal_basis), selectinload(Finding.photos)))


def agency_findings(agency_id: int, limit: int) -> list[Finding]:
    """An agency's latest findings of broadcast episodes (its public page)."""
    return list(db.session.scalars(public_findings().where(Finding.agency_id == agency_id)
                                   .order_by(Finding.id.desc()).limit(limit)))


def agency_reports(agency_id: int, limit: int) -> list[FollowUp]:
    """An agency's latest published follow-up reports (its public page)."""
    return list(db.session.scalars(select(FollowUp).where(FollowUp.agency_id == agency_id,
                                                          FollowUp.state == "published")
                                   .order_by(FollowUp.published_at.desc()).limit(limit)))


def board(now: datetime, *, episode_id: int | None = None, agency: str | None = None,
          domain: str | None = None, state: str | None = None) -> Select:
    """The board's findings, filtered; newest episode first."""
    query = public_findings()
    if episode_id:
        query = query.where(Finding.episode_id == episode_id)
    if agency:
        query = query.where(Finding.agency_id.in_(select(Agency.id).where(Agency.slug == agency)))
    if domain:
        query = query.where(Finding.domain_id.in_(select(Domain.id).where(Domain.code == domain)))
    if state == "overdue":
        query = query.where(Finding.state.in_(("open", "partly_rectified", "reopened")), Finding.rectify_by < now)
    elif state in FINDING_STATES:
        query = query.where(Finding.state == state)
    return query.order_by(Episode.number.desc(), Finding.id)


def rows(findings: list[Finding]) -> list[stats.Row]:
    """Statistics rows of findings."""
    return [stats.Row(state=f.state, found_at=f.created_at, rectify_by=f.rectify_by, rectified_at=f.rectified_at,
                      episode_id=f.episode_id, agency_id=f.agency_id, domain_id=f.domain_id) for f in findings]


def all_rows() -> list[stats.Row]:
    """Every public finding as a statistics row."""
    query = (select(Finding.state, Finding.created_at, Finding.rectify_by, Finding.rectified_at,
                    Finding.episode_id, Finding.agency_id, Finding.domain_id)
             .join(Episode, Finding.episode_id == Episode.id).where(Episode.state.in_(PUBLIC_EPISODE_STATES)))
    return [stats.Row(*r) for r in db.session.execute(query)]


@dataclass
class Step:
    """One step of a finding's timeline."""

    key: str
    at: datetime | None
    done: bool


def published_reports(finding_id: int) -> list[FollowUp]:
    """Published reports covering a finding, oldest first."""
    return list(db.session.scalars(
        select(FollowUp).join(FollowUpOutcome).where(FollowUpOutcome.finding_id == finding_id,
                                                      FollowUp.state == "published")
        .options(selectinload(FollowUp.revisions), selectinload(FollowUp.outcomes))
        .order_by(FollowUp.published_at)))


def timeline(finding: Finding, reports: list[FollowUp], now: datetime) -> list[Step]:
    """found → deadline → reinspected → published → closed."""
    last = reports[-1] if reports else None
    return steps(finding, (last.reinspected_on, last.published_at) if last else None, now)


def steps(finding: Finding, last: tuple | None, now: datetime) -> list[Step]:
    """The timeline from the latest published report's (reinspected_on, published_at)."""
    reinspected = datetime.combine(last[0], datetime.min.time(), tzinfo=now.tzinfo) if last else None
    return [Step("found", finding.created_at, True),
            Step("deadline", finding.rectify_by, finding.rectify_by <= now),
            Step("reinspected", reinspected, last is not None),
            Step("published", last[1] if last else None, last is not None),
            Step("closed", finding.closed_at, finding.state == "closed")]


def latest_publications(finding_ids: list[int]) -> dict[int, tuple]:
    """finding id → (reinspected_on, published_at) of its latest published report."""
    found: dict[int, tuple] = {}
    if not finding_ids:
        return found
    query = (select(FollowUpOutcome.finding_id, FollowUp.reinspected_on, FollowUp.published_at)
             .join(FollowUp).where(FollowUp.state == "published", FollowUpOutcome.finding_id.in_(finding_ids))
             .order_by(FollowUp.published_at))
    for finding_id, reinspected_on, published_at in db.session.execute(query):
        found[finding_id] = (reinspected_on, published_at)
    return found


def episode_findings(episode: Episode) -> dict:
    """The episode page's follow-up section: its findings and published reports."""
    from app.core import clock

    if episode is None or episode.state not in PUBLIC_EPISODE_STATES:
        return {"findings": [], "reports": [], "now": clock.now()}
    findings = db.session.scalars(public_findings().where(Finding.episode_id == episode.id)
                                  .order_by(Finding.id)).all()
    reports = db.session.scalars(select(FollowUp).where(FollowUp.episode_id == episode.id,
                                                        FollowUp.state == "published")
                                 .options(selectinload(FollowUp.agency), selectinload(FollowUp.outcomes))
                                 .order_by(FollowUp.published_at.desc())).all()
    return {"findings": list(findings), "reports": list(reports), "now": clock.now()}


def visible_reports(actor: Actor) -> Select:
    """Published reports for everyone; the coordinator sees all; agency staff also their own."""
    query = select(FollowUp).options(selectinload(FollowUp.revisions), selectinload(FollowUp.outcomes),
                                     selectinload(FollowUp.agency), selectinload(FollowUp.episode),
                                     selectinload(FollowUp.photos))
    if actor.is_coordinator:
        return query
    if actor.role == "agency_staff" and actor.agency_id:
        return query.where(or_(FollowUp.state == "published", FollowUp.agency_id == actor.agency_id))
    return query.where(FollowUp.state == "published")


def feed_reports(limit: int = 50) -> list[FollowUp]:
    """The latest published reports, for the Atom feed."""
    return list(db.session.scalars(visible_reports(Actor(None, "anonymous"))
                                   .order_by(FollowUp.published_at.desc()).limit(limit)))


def report_choices(actor: Actor, episode_id: int | None) -> list[Finding]:
    """The findings of an episode the actor's agency may report on (its pending ones)."""
    if episode_id is None:
        return []
    return list(db.session.scalars(select(Finding).where(
        Finding.episode_id == episode_id, Finding.agency_id == actor.agency_id, Finding.state.in_(PENDING_STATES))
        .order_by(Finding.id)))


def episodes_to_report(actor: Actor) -> list[Episode]:
    """Episodes where the actor's agency has pending findings, newest first."""
    return list(db.session.scalars(select(Episode).where(Episode.id.in_(
        select(Finding.episode_id).where(Finding.agency_id == actor.agency_id, Finding.state.in_(PENDING_STATES))))
        .order_by(Episode.number.desc())))


def report_queue(actor: Actor, limit: int = 100) -> list[FollowUp]:
    """The work queue's reports, newest first: every visible one for the coordinator, else the agency's own."""
    query = visible_reports(actor).order_by(FollowUp.id.desc())
    if not actor.is_coordinator:
        query = query.where(FollowUp.agency_id == actor.agency_id)
    return list(db.session.scalars(query.limit(limit)))


def finding_queue(actor: Actor) -> list[Finding]:
    """The work queue's findings still to rectify, soonest deadline first (the agency's own, unless coordinator)."""
    query = public_findings().where(Finding.state.in_(PENDING_STATES))
    if not actor.is_coordinator:
        query = query.where(Finding.agency_id == actor.agency_id)
    return list(db.session.scalars(query.order_by(Finding.rectify_by)))


def board_episodes() -> list[Episode]:
    """Episodes the board filters by (broadcast ones), newest number first."""
    return list(db.session.scalars(select(Episode).where(Episode.state.in_(PUBLIC_EPISODE_STATES))
                                   .order_by(Episode.number.desc())))


def confirmations(finding_id: int) -> list[FindingConfirmation]:
    """The public's word on a finding's rectification, oldest first."""
    return list(db.session.scalars(select(FindingConfirmation).where(
        FindingConfirmation.finding_id == finding_id).order_by(FindingConfirmation.id)))
