"""Read side of the library: the catalogue, items, cases of an article or item, the teaching library."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, Domain
from app.core.errors import NotFound
from app.episodes.models import Episode
from app.extensions import db
from app.findings.models import Finding, FollowUp, FollowUpOutcome
from app.findings.queries import PUBLIC_EPISODE_STATES
from app.legal.models import (DiscretionLevel, EnforcementItem, LegalBasis, Statute, TypicalCase, article_number,
                                item_bases)
from app.library.services import law_date
from app.live.models import LiveNote


@dataclass
class Case:
    """A recorded case: a finding or a live note that cites the law, shown with its replay moment."""

    kind: str  # "finding" | "note"
    id: int
    episode: Episode
    text: str
    offset_seconds: int | None
    basis: LegalBasis | None
    finding: Finding | None = None
    #: The outcome of the latest published follow-up report (findings only).
    outcome: str | None = None


def statutes() -> list[Statute]:
    """Every statute with its articles, by title."""
    return list(db.session.scalars(select(Statute).options(selectinload(Statute.articles))
                                   .order_by(Statute.kind, Statute.title)))


def get_statute(statute_id: int) -> Statute:
    """One statute, or statute_not_found."""
    statute = db.session.get(Statute, statute_id)
    if statute is None:
        raise NotFound(_l("No such statute."), code="statute_not_found")
    return statute


def citable_bases(now: datetime) -> list[LegalBasis]:
    """Articles a new note or finding may cite (not repealed), by statute and article."""
    today = law_date(now)
    return [b for b in all_bases() if not b.is_repealed(today)]


def all_bases() -> list[LegalBasis]:
    """Every article, repealed ones included, by statute and article number."""
    bases = db.session.scalars(select(LegalBasis).join(Statute).order_by(Statute.title, LegalBasis.id))
    return sorted(bases, key=lambda b: (b.statute.title, article_number(b.article)))


def items(*, domain: str | None = None, agency: str | None = None) -> list[EnforcementItem]:
    """Enforcement items, optionally of one domain (code) or agency (slug), by code."""
    query = select(EnforcementItem).options(selectinload(EnforcementItem.domain),
                                            selectinload(EnforcementItem.agency))
    if domain:
        query = query.join(Domain, EnforcementItem.domain_id == Domain.id).where(Domain.code == domain)
    if agency:
        query = query.join(Agency, EnforcementItem.agency_id == Agency.id).where(Agency.slug == agency)
    return list(db.session.scalars(query.order_by(EnforcementItem.code)))


def get_item(item_id: int) -> EnforcementItem:
    """One item with its legal basis and discretion standard, or enforcement_item_not_found."""
    item = db.session.scalar(select(EnforcementItem).where(EnforcementItem.id == item_id).options(
        selectinload(EnforcementItem.bases), selectinload(EnforcementItem.circumstances)))
    if item is None:
        raise NotFound(_l("No such enforcement item."), code="enforcement_item_not_found")
    return item


def standard_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Choices of the finding form: items, and circumstances labelled with their item's code."""
    found = items()
    levels = db.session.scalars(select(DiscretionLevel).join(EnforcementItem)
                                .order_by(EnforcementItem.code, DiscretionLevel.position))
    return ([(0, "—")] + [(i.id, f"{i.code} {i.name}") for i in found],
            [(0, "—")] + [(lv.id, f"{lv.item.code} · {lv.circumstance}: {lv.penalty}") for lv in levels])


def typical_cases(*, basis_id: int | None = None, item_id: int | None = None) -> list[TypicalCase]:
    """Written typical cases of an article or an item, newest first."""
    query = select(TypicalCase)
    if basis_id is not None:
        query = query.where(TypicalCase.legal_basis_id == basis_id)
    if item_id is not None:
        query = query.where(TypicalCase.item_id == item_id)
    return list(db.session.scalars(query.order_by(TypicalCase.created_at.desc(), TypicalCase.id.desc())))


def _outcomes(finding_ids: list[int]) -> dict[int, str]:
    """The latest published outcome of each finding."""
    if not finding_ids:
        return {}
    rows = db.session.execute(
        select(FollowUpOutcome.finding_id, FollowUpOutcome.outcome).join(FollowUp)
        .where(FollowUpOutcome.finding_id.in_(finding_ids), FollowUp.state == "published")
        .order_by(FollowUp.published_at))
    return {finding_id: outcome for finding_id, outcome in rows}  # later rows win


def _public_findings() -> Select:
    return (select(Finding).join(Episode, Finding.episode_id == Episode.id)
            .where(Episode.state.in_(PUBLIC_EPISODE_STATES))
            .options(selectinload(Finding.episode), selectinload(Finding.legal_basis),
                     selectinload(Finding.discretion_level), selectinload(Finding.enforcement_item)))


def _public_notes() -> Select:
    return (select(LiveNote).join(Episode, LiveNote.episode_id == Episode.id)
            .where(Episode.state.in_(PUBLIC_EPISODE_STATES), LiveNote.legal_basis_id.is_not(None))
            .options(selectinload(LiveNote.legal_basis)))


def _cases(findings: list[Finding], notes: list[LiveNote]) -> list[Case]:
    outcomes = _outcomes([f.id for f in findings])
    episodes = {e.id: e for e in db.session.scalars(
        select(Episode).where(Episode.id.in_({n.episode_id for n in notes})))} if notes else {}
    cases = [Case("finding", f.id, f.episode, f.description, f.replay_offset_seconds, f.legal_basis, f,
                  outcomes.get(f.id)) for f in findings]
    cases += [Case("note", n.id, episodes[n.episode_id], n.body, n.offset_seconds, n.legal_basis) for n in notes]
    # newest episode first, then in the order they happened on camera
    return sorted(cases, key=lambda c: (-c.episode.number, c.offset_seconds or 0, c.kind, c.id))


def cases_of_article(basis_id: int) -> list[Case]:
    """Every public finding and live note citing this article."""
    findings = db.session.scalars(_public_findings().where(Finding.legal_basis_id == basis_id)).all()
    notes = db.session.scalars(_public_notes().where(LiveNote.legal_basis_id == basis_id)).all()
    return _cases(list(findings), list(notes))


def cases_of_item(item_id: int) -> list[Case]:
    """Public findings naming this item or citing one of its articles, and live notes citing its articles."""
    bases = select(item_bases.c.legal_basis_id).where(item_bases.c.item_id == item_id)
    findings = db.session.scalars(_public_findings().where(
        or_(Finding.enforcement_item_id == item_id, Finding.legal_basis_id.in_(bases)))).all()
    notes = db.session.scalars(_public_notes().where(LiveNote.legal_basis_id.in_(bases))).all()
    return _cases(list(findings), list(notes))


def teaching(*, domain: str | None = None, agency: str | None = None, item_id: int | None = None,
             basis_id: int | None = None) -> list[Case]:
    """The teaching library (规范化执法影像教材): recorded cases filtered by domain, agency, item and article."""
    if item_id is not None:
        cases = cases_of_item(item_id)
    elif basis_id is not None:
        cases = cases_of_article(basis_id)
    else:
        cases = _cases(list(db.session.scalars(_public_findings().where(or_(
            Finding.legal_basis_id.is_not(None), Finding.enforcement_item_id.is_not(None))))),
            list(db.session.scalars(_public_notes())))
    if basis_id is not None:
        cases = [c for c in cases if c.basis is not None and c.basis.id == basis_id]
    if domain:
        cases = [c for c in cases if _case_domain(c) == domain]
    if agency:
        cases = [c for c in cases if agency in _case_agencies(c)]
    return cases


def _case_domain(case: Case) -> str | None:
    if case.finding is not None:
        return case.finding.domain.code
    return case.episode.domain.code if case.episode.domain_id else None


def _case_agencies(case: Case) -> set[str]:
    if case.finding is not None:
        return {case.finding.agency.slug}
    return {a.slug for a in case.episode.agencies}


@dataclass
class Result:
    """A search hit and where it leads."""

    hit: object  # app.library.search.Hit
    endpoint: str
    values: dict
    anchor: str = ""


def search_results(query: str, *, kinds: tuple[str, ...] | None = None) -> list[Result]:
    """Ranked hits that the public may see, each with its page (cases of unpublished episodes are left out)."""
    from app.library.search import search

    hits = search(query, kinds=kinds)
    finding_ids = [h.ref_id for h in hits if h.kind == "finding"]
    note_ids = [h.ref_id for h in hits if h.kind == "note"]
    case_ids = [h.ref_id for h in hits if h.kind == "case"]
    findings = {f.id: f for f in db.session.scalars(_public_findings().where(Finding.id.in_(finding_ids)))} \
        if finding_ids else {}
    notes = {n.id: n for n in db.session.scalars(_public_notes().where(LiveNote.id.in_(note_ids)))} if note_ids else {}
    cases = {c.id: c for c in db.session.scalars(select(TypicalCase).where(TypicalCase.id.in_(case_ids)))} \
        if case_ids else {}
    results = []
    for hit in hits:
        if hit.kind == "article":
            results.append(Result(hit, "library.article", {"basis_id": hit.ref_id}))
        elif hit.kind == "item":
            results.append(Result(hit, "library.item", {"item_id": hit.ref_id}))
        elif hit.kind == "case" and hit.ref_id in cases:
            case = cases[hit.ref_id]
            target = ("library.item", {"item_id": case.item_id}) if case.item_id else \
                ("library.article", {"basis_id": case.legal_basis_id})
            results.append(Result(hit, *target, anchor=f"case-{case.id}"))
        elif hit.kind == "finding" and hit.ref_id in findings:
            results.append(Result(hit, "findings.finding", {"finding_id": hit.ref_id}))
        elif hit.kind == "note" and hit.ref_id in notes:
            note = notes[hit.ref_id]
            results.append(Result(hit, "episodes.detail", {"episode_id": note.episode_id},
                                  anchor=f"t={note.offset_seconds}" if note.offset_seconds is not None else ""))
    return results


def teaching_filters() -> dict:
    """The choices of the teaching library's filters."""
    return {"domains": db.session.scalars(select(Domain).order_by(Domain.id)).all(),
            "agencies": db.session.scalars(select(Agency).order_by(Agency.id)).all(),
            "items": items(), "bases": all_bases()}
