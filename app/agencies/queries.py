"""Read-side of the agencies and domains: the lists filters offer, one agency, and the names charts show."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.models import Agency, Domain
from app.extensions import db


def all_agencies() -> list[Agency]:
    """Every agency, in the order they were registered."""
    return list(db.session.scalars(select(Agency).order_by(Agency.id)))


def all_domains() -> list[Domain]:
    """Every law-enforcement domain, in the order they were registered."""
    return list(db.session.scalars(select(Domain).order_by(Domain.id)))


def agency_by_slug(slug: str) -> Agency | None:
    """The agency of a page address, or None."""
    return db.session.scalar(select(Agency).where(Agency.slug == slug))


def names(locale: str) -> dict[str, str]:
    """Domain codes and agency slugs → names in the given language."""
    out = {d.code: d.name(locale) for d in db.session.scalars(select(Domain))}
    out.update({a.slug: a.name(locale) for a in db.session.scalars(select(Agency))})
    return out
