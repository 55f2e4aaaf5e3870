"""The library's open datasets: every article with its statute, every item with its standard.

The CSV columns are the import's (app.library.importing), so an export can be edited and imported back.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.legal.models import EnforcementItem, LegalBasis, Statute


def articles() -> list[dict]:
    """Articles by statute, repealed ones included (marked by their dates)."""
    query = select(LegalBasis).join(Statute).order_by(Statute.title, LegalBasis.id)
    return [{"id": b.id, "statute": b.statute.title, "kind": b.statute.kind, "issuing_body": b.statute.issuing_body,
             "effective_on": b.statute.effective_on, "repealed_on": b.statute.repealed_on, "article": b.article,
             "text": b.excerpt, "article_repealed_on": b.repealed_on} for b in db.session.scalars(query)]


def items() -> list[dict]:
    """Enforcement items with their legal basis (citations) and discretion standard."""
    query = (select(EnforcementItem).options(selectinload(EnforcementItem.bases), selectinload(EnforcementItem.domain),
                                             selectinload(EnforcementItem.agency),
                                             selectinload(EnforcementItem.circumstances))
             .order_by(EnforcementItem.code))
    return [{"id": i.id, "code": i.code, "name": i.name, "domain": i.domain.code, "agency": i.agency.slug,
             "description": i.description, "articles": [b.citation for b in i.bases],
             "circumstances": [{"circumstance": lv.circumstance, "penalty": lv.penalty} for lv in i.circumstances]}
            for i in db.session.scalars(query)]


def item_cells(row: dict) -> dict:
    """An item row as the CSV writes it: articles joined by ;, circumstances as circumstance=penalty joined by |."""
    return {**row, "articles": ";".join(row["articles"]),
            "circumstances": "|".join(f"{c['circumstance']}={c['penalty']}" for c in row["circumstances"])}
