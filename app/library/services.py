"""Rules of the library: the statute and article catalogue, citing, typical cases (coordinator writes)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.auth import Actor, require_role
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.legal.citations import get_basis, law_date  # noqa: F401  (the library's callers use them from here too)
from app.legal.models import STATUTE_KINDS, DiscretionLevel, EnforcementItem, LegalBasis, Statute, TypicalCase
from app.notifications.services import audit
from app.findings.models import Finding
from app.live.models import LiveNote

def require_coordinator(actor: Actor) -> None:
    """Only the coordinator (and admin) edit the library."""
    require_role(actor, "coordinator", "admin")


def statute_named(title: str, *, kind: str | None = None, issuing_body: str | None = None,
                  effective_on: date | None = None, repealed_on: date | None = None, now: datetime) -> Statute:
    """The statute with this title, created when new (a law unless told); the details given (not None) are set."""
    title = (title or "").strip()
    if not 1 <= len(title) <= 120:
        raise ValidationFailed(_l("A statute needs a title of up to 120 characters."), code="statute_invalid",
                               details={"field": "statute"})
    if kind is not None and kind not in STATUTE_KINDS:
        raise ValidationFailed(_l("Choose the kind of statute."), code="statute_kind_invalid",
                               details={"field": "kind"})
    statute = db.session.scalar(select(Statute).where(Statute.title == title))
    if statute is None:
        statute = Statute(title=title, kind="law", issuing_body="", created_at=now)
        db.session.add(statute)
    if kind is not None:
        statute.kind = kind
    if issuing_body is not None:
        statute.issuing_body = issuing_body.strip()[:120]
    statute.effective_on = effective_on or statute.effective_on
    statute.repealed_on = repealed_on or statute.repealed_on
    if statute.effective_on and statute.repealed_on and statute.repealed_on < statute.effective_on:
        raise ValidationFailed(_l("A statute cannot be repealed before it takes effect."),
                               code="statute_dates_invalid", details={"field": "repealed_on"})
    return statute


def _article_fields(article: str, excerpt: str) -> tuple[str, str]:
    article, excerpt = (article or "").strip(), (excerpt or "").strip()
    if not 1 <= len(article) <= 40 or len(excerpt) > 4000:
        raise ValidationFailed(_l("A legal basis needs a statute (up to 120 characters) and an article (up to 40)."),
                               code="legal_basis_invalid")
    return article, excerpt


def _unique(statute: Statute, article: str, own_id: int | None = None) -> None:
    if statute.id is None:
        return
    other = db.session.scalar(select(LegalBasis.id).where(LegalBasis.statute_id == statute.id,
                                                          LegalBasis.article == article))
    if other is not None and other != own_id:
        raise Conflict(_l("This statute and article are already in the catalogue."), code="legal_basis_exists")


def create_basis(actor: Actor, *, statute: str, article: str, excerpt: str = "", now: datetime,
                 repealed_on: date | None = None) -> LegalBasis:
    """Add an article to the catalogue, its statute created when new (coordinator)."""
    require_coordinator(actor)
    article, excerpt = _article_fields(article, excerpt)
    owner = db.session.scalar(select(Statute).where(Statute.title == (statute or "").strip()))
    owner = owner or statute_named(statute, now=now)
    _unique(owner, article)
    basis = LegalBasis(statute=owner, article=article, excerpt=excerpt, repealed_on=repealed_on, created_at=now)
    db.session.add(basis)
    db.session.flush()
    audit(actor, "legal_basis.create", "legal_basis", basis.id, now=now)
    return basis


def update_basis(actor: Actor, basis_id: int, *, article: str, excerpt: str = "", repealed_on: date | None = None,
                 now: datetime) -> LegalBasis:
    """Correct an article's number or text, or mark it repealed (coordinator)."""
    require_coordinator(actor)
    basis = get_basis(basis_id)
    article, excerpt = _article_fields(article, excerpt)
    _unique(basis.statute, article, basis.id)
    before = {"article": basis.article, "repealed_on": basis.repealed_on.isoformat() if basis.repealed_on else None}
    basis.article, basis.excerpt, basis.repealed_on = article, excerpt, repealed_on
    db.session.flush()
    audit(actor, "legal_basis.update", "legal_basis", basis.id, now=now, data={"before": before})
    return basis


def delete_basis(actor: Actor, basis_id: int, *, now: datetime) -> None:
    """Remove an article nothing cites (coordinator); a cited one is repealed instead."""

    require_coordinator(actor)
    basis = get_basis(basis_id)
    for model in (LiveNote, Finding, TypicalCase):
        if db.session.scalar(select(model.id).where(model.legal_basis_id == basis.id).limit(1)) is not None:
            raise Conflict(_l("Notes cite this legal basis; it cannot be removed."), code="legal_basis_in_use")
    audit(actor, "legal_basis.delete", "legal_basis", basis.id, now=now,
          data={"statute": basis.statute.title, "article": basis.article})
    basis.items = []
    db.session.delete(basis)
    db.session.flush()


def add_typical_case(actor: Actor, *, title: str, body: str, legal_basis_id: int | None = None,
                     item_id: int | None = None, now: datetime) -> TypicalCase:
    """Write a typical case (典型案例) on an article or an enforcement item (coordinator)."""
    require_coordinator(actor)
    title, body = (title or "").strip(), (body or "").strip()
    if not 1 <= len(title) <= 200:
        raise ValidationFailed(_l("Give the case a title (up to 200 characters)."), code="case_title_invalid",
                               details={"field": "title"})
    if not 1 <= len(body) <= 10000:
        raise ValidationFailed(_l("Write the case (up to 10,000 characters)."), code="case_body_invalid",
                               details={"field": "body"})
    if legal_basis_id is not None:
        get_basis(legal_basis_id)
    if item_id is not None and db.session.get(EnforcementItem, item_id) is None:
        raise NotFound(_l("No such enforcement item."), code="enforcement_item_not_found")
    if legal_basis_id is None and item_id is None:
        raise ValidationFailed(_l("A case belongs to an article or an enforcement item."), code="case_subject_required")
    case = TypicalCase(title=title, body=body, legal_basis_id=legal_basis_id, item_id=item_id,
                       created_by_id=actor.user_id, created_at=now)
    db.session.add(case)
    db.session.flush()
    audit(actor, "typical_case.create", "typical_case", case.id, now=now)
    return case
