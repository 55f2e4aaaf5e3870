"""Citing the catalogue: what today's date is in law, which article or item a note or finding may cite."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis

#: Dates of law are Beijing dates: a repeal "on 1 January" starts at midnight in Beijing.
LAW_TIMEZONE = ZoneInfo("Asia/Shanghai")


def law_date(now: datetime) -> date:
    """Today's date where the law applies."""
    return now.astimezone(LAW_TIMEZONE).date()


def get_basis(basis_id: int) -> LegalBasis:
    """One article, or legal_basis_not_found."""
    basis = db.session.get(LegalBasis, basis_id)
    if basis is None:
        raise NotFound(_l("No such legal basis."), code="legal_basis_not_found")
    return basis


def citable_basis(basis_id: int | None, now: datetime) -> LegalBasis | None:
    """The article a new note or finding may cite: it exists and is not repealed."""
    if basis_id is None:
        return None
    basis = db.session.get(LegalBasis, basis_id)
    if basis is None:
        raise ValidationFailed(_l("No such legal basis."), code="legal_basis_not_found",
                               details={"field": "legal_basis_id"})
    if basis.is_repealed(law_date(now)):
        raise ValidationFailed(_l("This article has been repealed and can no longer be cited."),
                               code="legal_basis_repealed", details={"field": "legal_basis_id"})
    return basis


def applied_standard(item_id: int | None, level_id: int | None) -> tuple[int | None, int | None]:
    """Check a finding's enforcement item and circumstance: the circumstance must be the item's."""
    if item_id is None:
        if level_id is not None:
            raise ValidationFailed(_l("Choose the enforcement item of this circumstance."),
                                   code="enforcement_item_required", details={"field": "enforcement_item_id"})
        return None, None
    if db.session.get(EnforcementItem, item_id) is None:
        raise ValidationFailed(_l("No such enforcement item."), code="enforcement_item_not_found",
                               details={"field": "enforcement_item_id"})
    if level_id is not None:
        level = db.session.get(DiscretionLevel, level_id)
        if level is None or level.item_id != item_id:
            raise ValidationFailed(_l("This circumstance is not part of the item's discretion standard."),
                                   code="circumstance_invalid", details={"field": "discretion_level_id"})
    return item_id, level_id
