"""Inspected parties, their inspections, one-time party codes and their statements on findings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db

STATEMENT_STATES = ("pending", "published", "rejected")
#: Conduct ratings (规范 = by the rules, 文明 = courteous), 1 (poor) … 5 (excellent).
RATING_RANGE = (1, 5)


class Party(CreatedAt, db.Model):
    """An inspected party (执法对象 / 行政相对人): a business or site."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The name normalised (NFKC, no spaces, case-folded): a finding naming the party this way links here.
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    #: Unified social credit code (统一社会信用代码, GB 32100-2015), check digit verified; optional.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    #: Set when this record was merged into another (a duplicate); its page then redirects there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))

    domain = relationship("Domain")


class Inspection(CreatedAt, db.Model):
    """One party inspected in one episode (made when a finding names the party, or a code is issued)."""

    __tablename__ = "inspections"
    __table_args__ = (
        UniqueConstraint("party_id", "episode_id", name="uq_inspections_party_episode"),
        Index("ix_inspections_party_inspected_at", "party_id", "inspected_at"),
        CheckConstraint("conduct_standard IS NULL OR conduct_standard BETWEEN 1 AND 5", name="standard"),
        CheckConstraint("conduct_civil IS NULL OR conduct_civil BETWEEN 1 AND 5", name="civil"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    #: When the inspection happened (the episode's live start); the repeated-inspection window counts these.
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The party's answer with its one-time code: did the inspection take place, and how did officers act.
    party_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    took_place: Mapped[bool | None] = mapped_column()
    conduct_standard: Mapped[int | None] = mapped_column()
    conduct_civil: Mapped[int | None] = mapped_column()
    #: Set once the coordinator was warned that this inspection made the party exceed the limit.
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    party = relationship("Party")
    episode = relationship("Episode")


class PartyCode(CreatedAt, db.Model):
    """A one-time code given to the party for one inspection; only its SHA-256 is stored."""

    __tablename__ = "party_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when a newer code for the same inspection replaced this one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    inspection = relationship("Inspection")


class PartyStatement(CreatedAt, db.Model):
    """The party's own statement on a finding: shown beside it once the coordinator published it."""

    __tablename__ = "party_statements"
    __table_args__ = (
        in_check("state", STATEMENT_STATES, "state"),
        CheckConstraint("length(body) >= 1", name="body_nonempty"),
        CheckConstraint("state <> 'rejected' OR review_reason IS NOT NULL", name="rejected_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_reason: Mapped[str | None] = mapped_column(String(500))

    inspection = relationship("Inspection")
    finding = relationship("Finding")


COMPLAINT_STATES = ("submitted", "answered", "published", "dismissed")


class ConductComplaint(CreatedAt, db.Model):
    """A viewer's report of officer conduct seen in the stream, pinned to its moment; the agency answers."""

    __tablename__ = "conduct_complaints"
    __table_args__ = (
        in_check("state", COMPLAINT_STATES, "state"),
        CheckConstraint("offset_seconds >= 0", name="offset"),
        CheckConstraint("length(body) >= 1", name="body_nonempty"),
        CheckConstraint("state NOT IN ('answered', 'published') OR answer_body IS NOT NULL", name="answer_has_body"),
        CheckConstraint("state <> 'dismissed' OR review_reason IS NOT NULL", name="dismissed_has_reason"),
        Index("ix_conduct_complaints_state_due", "state", "answer_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The agency whose officers the complaint is about; it must answer.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: Seconds into the stream (as comments' offset_seconds): where the replay shows the conduct.
    offset_seconds: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="submitted")
    #: Deadline for the agency's answer (set on submission, the coordinator may move it).
    answer_due: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The coordinator's decision: published on the episode, or dismissed with a reason.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_reason: Mapped[str | None] = mapped_column(String(500))
    #: Set by the sweep when the deadline passed unanswered (notified once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    episode = relationship("Episode")
    agency = relationship("Agency")

    def is_overdue(self, now: datetime) -> bool:
        """Unanswered past its deadline (never stored: derived from answer_due)."""
        return self.state == "submitted" and now > self.answer_due
