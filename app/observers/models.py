"""Observers, their invitations to episodes, and their notes (监督意见)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db

OBSERVER_KINDS = ("deputy", "cppcc", "expert", "citizen", "supervisor")
INVITATION_STATES = ("pending", "accepted", "declined", "revoked")
NOTE_ASPECTS = ("procedure", "attitude", "legal_basis", "fairness", "other")
NOTE_VISIBILITY = ("public", "coordinator")


class Observer(CreatedAt, db.Model):
    """A person in the coordinator's registry of observers."""

    __tablename__ = "observers"
    __table_args__ = (
        in_check("kind", OBSERVER_KINDS, "kind"),
        CheckConstraint("term_end IS NULL OR term_start IS NULL OR term_end >= term_start", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The site account the observer uses; None until an invitation is bound.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    #: Phone or e-mail; never shown publicly nor in open data.
    contact: Mapped[str] = mapped_column(String(120), default="")
    #: Whether the observer agreed to be listed on episode pages.
    listed: Mapped[bool] = mapped_column(default=True)

    user = relationship("User")


class Invitation(CreatedAt, db.Model):
    """An observer invited to one episode."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("episode_id", "observer_id", name="uq_invitations_episode_observer"),
        in_check("state", INVITATION_STATES, "state"),
        CheckConstraint("checked_in_at IS NULL OR state = 'accepted'", name="checkin_needs_accept"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("observers.id", ondelete="CASCADE"), index=True)
    #: Secret in the invitation link and QR code (URL-safe random).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    episode = relationship("Episode")
    observer = relationship("Observer")


class ObserverNote(CreatedAt, db.Model):
    """An observer's opinion on the enforcement, addressed to an agency that must answer."""

    __tablename__ = "observer_notes"
    __table_args__ = (
        in_check("aspect", NOTE_ASPECTS, "aspect"),
        in_check("visibility", NOTE_VISIBILITY, "visibility"),
        CheckConstraint("length(body) >= 1", name="body_nonempty"),
        CheckConstraint("answered_at IS NULL OR answer_body IS NOT NULL", name="answer_has_body"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("observers.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    aspect: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    #: Deadline for the agency's answer, set by the coordinator.
    answer_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set by the sweep when the deadline passed unanswered (for reminders, once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    episode = relationship("Episode")
    observer = relationship("Observer")
    agency = relationship("Agency")
