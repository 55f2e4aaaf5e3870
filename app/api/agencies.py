"""API: enforcement domains and agencies."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, Domain
from app.api.envelope import envelope, errors_doc, ok
from app.api.schemas import AgencySchema, DomainSchema
from app.core.errors import NotFound
from app.extensions import db

blp = Blueprint("api_agencies", __name__, url_prefix="/api/v1", description="Agencies and domains")
_alt = errors_doc(blp)


@blp.get("/domains")
@blp.response(200, envelope(DomainSchema, many=True))
def list_domains():
    """Every enforcement domain."""
    return ok(db.session.scalars(select(Domain).order_by(Domain.id)).all())


@blp.get("/agencies")
@blp.response(200, envelope(AgencySchema, many=True))
def list_agencies():
    """Every agency taking part in the program, with its domains."""
    agencies = db.session.scalars(select(Agency).options(selectinload(Agency.domains))
                                  .order_by(Agency.id)).all()
    return ok(agencies)


@blp.get("/agencies/<slug>")
@blp.response(200, envelope(AgencySchema))
@_alt("404")
def get_agency(slug: str):
    """One agency."""
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        raise NotFound(code="agency_not_found")
    return ok(agency)
