"""Statutes and their articles, enforcement items with discretion standards, typical cases, the search index."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models_base import CreatedAt, in_check
from app.extensions import db

#: law (法律), administrative regulation (行政法规), local regulation (地方性法规), rule (规章).
STATUTE_KINDS = ("law", "regulation", "local_regulation", "rule")
#: What a search entry points at.
ENTRY_KINDS = ("article", "item", "case", "finding", "note")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def article_number(article: str) -> tuple[int, str]:
    """Sort key of an article number: 第一百零二条 → (102, …); digits (第12条) work too, others sort last."""
    core = article.strip().removeprefix("第").split("条")[0]
    if core.isdigit():
        return int(core), article
    total, digit = 0, 0
    for char in core:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            return 10**9, article
    return total + digit, article


item_bases = Table(
    "enforcement_item_bases",
    db.Model.metadata,
    Column("item_id", ForeignKey("enforcement_items.id", ondelete="CASCADE"), primary_key=True),
    Column("legal_basis_id", ForeignKey("legal_bases.id", ondelete="CASCADE"), primary_key=True),
)


class Statute(CreatedAt, db.Model):
    """A law, regulation or local rule (法律法规)."""

    __tablename__ = "statutes"
    __table_args__ = (
        in_check("kind", STATUTE_KINDS, "kind"),
        CheckConstraint("repealed_on IS NULL OR effective_on IS NULL OR repealed_on >= effective_on",
                        name="repealed_after_effective"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 《中华人民共和国食品安全法》
    title: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="law")
    issuing_body: Mapped[str] = mapped_column(String(120), default="")
    effective_on: Mapped[date | None] = mapped_column(Date)
    repealed_on: Mapped[date | None] = mapped_column(Date)

    articles = relationship("LegalBasis", back_populates="statute", order_by="LegalBasis.id")

    def is_repealed(self, today: date) -> bool:
        """Repealed on or before today."""
        return self.repealed_on is not None and self.repealed_on <= today

    @property
    def articles_in_order(self) -> list[LegalBasis]:
        """The articles by their number (第三条 before 第十二条)."""
        return sorted(self.articles, key=lambda b: article_number(b.article))


class LegalBasis(CreatedAt, db.Model):
    """An article of a statute (法条): what notes and findings cite (以案释法)."""

    __tablename__ = "legal_bases"
    __table_args__ = (UniqueConstraint("statute_id", "article", name="uq_legal_bases_statute_article"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statute_id: Mapped[int] = mapped_column(ForeignKey("statutes.id"), index=True)
    #: e.g. 第五十四条
    article: Mapped[str] = mapped_column(String(40))
    #: The article's text.
    excerpt: Mapped[str] = mapped_column(Text, default="")
    #: An article may be repealed (or renumbered away) before its statute.
    repealed_on: Mapped[date | None] = mapped_column(Date)

    statute = relationship("Statute", back_populates="articles", lazy="joined")
    items = relationship("EnforcementItem", secondary=item_bases, back_populates="bases",
                         order_by="EnforcementItem.code")

    @property
    def citation(self) -> str:
        """Statute and article as one line."""
        return f"{self.statute.title}{self.article}"

    def is_repealed(self, today: date) -> bool:
        """The article or its whole statute was repealed on or before today."""
        own = self.repealed_on is not None and self.repealed_on <= today
        return own or self.statute.is_repealed(today)


class EnforcementItem(CreatedAt, db.Model):
    """An enforcement item (执法事项) of one agency in one domain, with its discretion standard."""

    __tablename__ = "enforcement_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The code in the province's power list (权力事项库), e.g. 330217.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")

    domain = relationship("Domain")
    agency = relationship("Agency")
    bases = relationship("LegalBasis", secondary=item_bases, back_populates="items", order_by="LegalBasis.id")
    circumstances = relationship("DiscretionLevel", back_populates="item", cascade="all, delete-orphan",
                                 order_by="DiscretionLevel.position")


class DiscretionLevel(db.Model):
    """One circumstance of an item's discretion standard (裁量基准) and its penalty range."""

    __tablename__ = "discretion_levels"
    __table_args__ = (UniqueConstraint("item_id", "position", name="uq_discretion_levels_item_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("enforcement_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    #: e.g. 首次违法 / 情节轻微 / 情节严重
    circumstance: Mapped[str] = mapped_column(String(120))
    #: e.g. 不予处罚，责令改正 / 处五千元以上一万元以下罚款
    penalty: Mapped[str] = mapped_column(String(500))

    item = relationship("EnforcementItem", back_populates="circumstances")


class TypicalCase(CreatedAt, db.Model):
    """A written typical case (典型案例) the coordinator adds to an article or an item."""

    __tablename__ = "typical_cases"
    __table_args__ = (CheckConstraint("legal_basis_id IS NOT NULL OR item_id IS NOT NULL", name="has_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_items.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    legal_basis = relationship("LegalBasis")
    item = relationship("EnforcementItem")


class SearchEntry(db.Model):
    """One searchable text of the library, kept up to date on flush (see app.library.search)."""

    __tablename__ = "library_search_entries"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_library_search_entries_kind_ref"),
        in_check("kind", ENTRY_KINDS, "kind"),
        Index("ix_library_search_entries_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
