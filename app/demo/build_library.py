"""Build the demo legal library: statutes with their details, items, standards, cases; link the findings."""
from __future__ import annotations

from sqlalchemy import select

from app.demo.build_base import DemoContext
from app.demo.data import library
from app.extensions import db
from app.findings.models import Finding
from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis, Statute, TypicalCase


def build_statutes(ctx: DemoContext) -> dict[str, Statute]:
    """Every statute of the demo catalogue, with kind, issuing body and dates."""
    created = ctx.ago(days=300)
    statutes = {}
    for title, (kind, body, effective_on, repealed_on) in library.STATUTES.items():
        statutes[title] = Statute(title=title, kind=kind, issuing_body=body, effective_on=effective_on,
                                  repealed_on=repealed_on, created_at=created)
    db.session.add_all(statutes.values())
    return statutes


def build_library(ctx: DemoContext) -> None:
    """Extra articles, enforcement items with discretion standards, typical cases; findings get item and circumstance."""
    created = ctx.ago(days=300)
    statutes = {s.title: s for s in db.session.scalars(select(Statute))}
    for key, (title, article, text) in library.ARTICLES.items():
        ctx.legal[key] = LegalBasis(statute=statutes[title], article=article, excerpt=text, created_at=created)
    db.session.add_all(ctx.legal.values())
    items = {}
    for code, name, domain, agency, description, bases, levels in library.ITEMS:
        items[code] = EnforcementItem(
            code=code, name=name, domain_id=ctx.domains[domain].id, agency_id=ctx.agencies[agency].id,
            description=description, created_at=created, bases=[ctx.legal[k] for k in bases],
            circumstances=[DiscretionLevel(position=i, circumstance=c, penalty=p) for i, (c, p) in enumerate(levels)])
    db.session.add_all(items.values())
    db.session.flush()
    for subject, title, body in library.TYPICAL_CASES:
        item = items.get(subject)
        db.session.add(TypicalCase(title=title, body=body, item_id=item.id if item else None,
                                   legal_basis_id=None if item else ctx.legal[subject].id,
                                   created_by_id=ctx.coordinator.id, created_at=ctx.ago(days=30)))
    _link_findings(list(items.values()))
    db.session.flush()


def _link_findings(items: list[EnforcementItem]) -> None:
    """Each finding whose article belongs to an item names that item, and the circumstance its severity suggests."""
    by_basis = {b.id: item for item in items for b in item.bases}
    for finding in db.session.scalars(select(Finding).where(Finding.legal_basis_id.is_not(None))):
        item = by_basis.get(finding.legal_basis_id)
        if item is None:
            continue
        finding.enforcement_item_id = item.id
        finding.discretion_level_id = item.circumstances[library.SEVERITY_LEVEL[finding.severity]].id
