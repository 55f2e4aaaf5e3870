"""Agencies (执法单位) and domains (执法领域)."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models_base import CreatedAt
from app.extensions import db

agency_domains = Table(
    "agency_domains",
    db.Model.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True),
)


class Domain(db.Model):
    """An enforcement domain: food safety, work safety, city management, …"""

    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier used in URLs, the API and open data.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))

    def name(self, locale: str) -> str:
        """The domain's name in the given UI language."""
        return self.name_en if locale == "en" else self.name_zh


class Agency(CreatedAt, db.Model):
    """An enforcement agency that takes part in episodes."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    #: Short public name used on badges (e.g. 市场监管局).
    short_name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(500), default="")

    domains = relationship("Domain", secondary=agency_domains, order_by="Domain.id")
    staff = relationship("User", back_populates="agency")

    def name(self, locale: str) -> str:
        """The agency's name in the given UI language."""
        return self.name_en if locale == "en" else self.name_zh
