"""Findings, follow-up reports with revisions and outcomes, and public confirmations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db

SEVERITIES = ("minor", "moderate", "serious")
#: open → rectified (a published follow-up says so) → closed; reopened by public reports.
#: "overdue" is never stored: it is derived from rectify_by.
FINDING_STATES = ("open", "partly_rectified", "rectified", "reopened", "closed")
FOLLOW_UP_STATES = ("draft", "submitted", "returned", "approved", "published")
OUTCOMES = ("rectified", "partly_rectified", "not_rectified")
VERDICTS = ("confirmed", "not_rectified")


class Finding(CreatedAt, db.Model):
    """A problem found on camera, with the agency responsible and a deadline."""

    __tablename__ = "findings"
    __table_args__ = (
        in_check("severity", SEVERITIES, "severity"),
        in_check("state", FINDING_STATES, "state"),
        Index("ix_findings_agency_state", "agency_id", "state"),
        Index("ix_findings_rectify_by", "rectify_by"),
        CheckConstraint("replay_offset_seconds IS NULL OR replay_offset_seconds >= 0", name="offset"),
        CheckConstraint("state <> 'rectified' OR rectified_at IS NOT NULL", name="rectified_has_time"),
        CheckConstraint("state <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    #: The inspected party (执法对象).
    party_name: Mapped[str] = mapped_column(String(120))
    party_address: Mapped[str] = mapped_column(String(200), default="")
    #: The party's record in the register (app/parties); party_name keeps the name as recorded.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)
    area: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"))
    #: The enforcement item and the circumstance of its discretion standard that applied (执法宝典).
    enforcement_item_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_items.id"))
    discretion_level_id: Mapped[int | None] = mapped_column(ForeignKey("discretion_levels.id"))
    severity: Mapped[str] = mapped_column(String(10), default="moderate")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    #: Rectification deadline (整改期限); required.
    rectify_by: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Where in the replay the problem was shown.
    replay_offset_seconds: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="open")
    #: When a published follow-up confirmed rectification.
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Reminder bookkeeping, so the sweep sends each reminder once.
    reminded_3d_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_1d_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    episode = relationship("Episode")
    domain = relationship("Domain")
    agency = relationship("Agency")
    legal_basis = relationship("LegalBasis")
    enforcement_item = relationship("EnforcementItem")
    discretion_level = relationship("DiscretionLevel")
    party = relationship("Party")
    photos = relationship("FindingPhoto", cascade="all, delete-orphan", order_by="FindingPhoto.id")

    def is_overdue(self, now: datetime) -> bool:
        """Overdue: the deadline passed and no follow-up has confirmed rectification."""
        return self.state in ("open", "partly_rectified", "reopened") and now > self.rectify_by


class FindingPhoto(CreatedAt, db.Model):
    """An evidence photo of a finding (validated, resized, EXIF stripped)."""

    __tablename__ = "finding_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))


class FollowUp(CreatedAt, db.Model):
    """A reinspection report (回头看) covering one or more findings of one agency."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        in_check("state", FOLLOW_UP_STATES, "state"),
        CheckConstraint("state NOT IN ('approved', 'published') OR publish_at IS NOT NULL",
                        name="approved_has_publish_at"),
        CheckConstraint("state <> 'published' OR published_at IS NOT NULL", name="published_has_time"),
        CheckConstraint("state <> 'returned' OR review_reason IS NOT NULL", name="returned_has_reason"),
        Index("ix_follow_ups_state_publish_at", "state", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    reinspected_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    #: When the approved report goes public; the scheduler sweep publishes it then.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Why the coordinator sent it back.
    review_reason: Mapped[str | None] = mapped_column(String(500))

    episode = relationship("Episode")
    agency = relationship("Agency")
    revisions = relationship("FollowUpRevision", back_populates="follow_up",
                             order_by="FollowUpRevision.number", cascade="all, delete-orphan")
    outcomes = relationship("FollowUpOutcome", back_populates="follow_up", cascade="all, delete-orphan")
    photos = relationship("FollowUpPhoto", cascade="all, delete-orphan", order_by="FollowUpPhoto.id")

    @property
    def current(self) -> "FollowUpRevision | None":
        """The latest revision (what the public sees)."""
        return self.revisions[-1] if self.revisions else None


class FollowUpRevision(CreatedAt, db.Model):
    """One version of a report's text; corrections after publishing add a revision."""

    __tablename__ = "follow_up_revisions"
    __table_args__ = (
        UniqueConstraint("follow_up_id", "number", name="uq_follow_up_revisions_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("number = 1 OR reason IS NOT NULL", name="correction_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    #: Markdown source; rendered and sanitised on display.
    body_md: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    follow_up = relationship("FollowUp", back_populates="revisions")


class FollowUpOutcome(db.Model):
    """A report's outcome for one finding."""

    __tablename__ = "follow_up_outcomes"
    __table_args__ = (
        in_check("outcome", OUTCOMES, "outcome"),
        CheckConstraint("outcome = 'rectified' OR length(trim(further_action)) >= 1", name="further_action"),
    )

    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), primary_key=True, index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    #: Further action when not (fully) rectified, e.g. a penalty decision number.
    further_action: Mapped[str] = mapped_column(String(300), default="")

    follow_up = relationship("FollowUp", back_populates="outcomes")
    finding = relationship("Finding")


class FollowUpPhoto(CreatedAt, db.Model):
    """A photo attached to a follow-up report."""

    __tablename__ = "follow_up_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(255))


class FindingConfirmation(CreatedAt, db.Model):
    """A follower's public word on a published rectification: confirmed or not rectified."""

    __tablename__ = "finding_confirmations"
    __table_args__ = (
        UniqueConstraint("finding_id", "user_id", name="uq_finding_confirmations_user"),
        in_check("verdict", VERDICTS, "verdict"),
        CheckConstraint("verdict = 'confirmed' OR length(reason) >= 1", name="reason_required"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
    photo_path: Mapped[str | None] = mapped_column(String(255))
