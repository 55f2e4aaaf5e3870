"""Polls, topics, votes and offline tallies."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.core.places import PLACE_KINDS
from app.extensions import db

POLL_STATES = ("draft", "open", "closed", "decided")
#: approved: shown and votable; pending: a public proposal awaiting review.
TOPIC_STATES = ("pending", "approved", "rejected", "merged")


class Poll(CreatedAt, db.Model):
    """A topic poll: the public orders the menu for the next episode."""

    __tablename__ = "polls"
    __table_args__ = (
        in_check("state", POLL_STATES, "state"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("votes_per_person >= 1", name="votes_per_person"),
        CheckConstraint("state <> 'decided' OR decided_topic_id IS NOT NULL", name="decided_has_topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    votes_per_person: Mapped[int] = mapped_column(default=1)
    #: Whether the public may propose topics while the poll is open.
    proposals_open: Mapped[bool] = mapped_column(default=True)
    #: Whether counts are shown while voting; when False they stay hidden until close.
    counts_visible: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    decided_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", use_alter=True, name="fk_polls_decided_topic_id_topics"))
    #: Public reason, required when the chosen topic was not the most voted.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    topics = relationship("Topic", back_populates="poll", foreign_keys="Topic.poll_id",
                          order_by="Topic.id")
    decided_topic = relationship("Topic", foreign_keys=[decided_topic_id], post_update=True)


class Topic(CreatedAt, db.Model):
    """A candidate topic of a poll, set by the coordinator or proposed by the public."""

    __tablename__ = "topics"
    __table_args__ = (
        in_check("state", TOPIC_STATES, "state"),
        in_check("place_kind", PLACE_KINDS, "place_kind"),
        CheckConstraint("state <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"),
        CheckConstraint("state <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    place_kind: Mapped[str] = mapped_column(String(20), default="other")
    state: Mapped[str] = mapped_column(String(12), default="approved")
    #: The citizen who proposed it; None for the coordinator's own candidates.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Stored path (under instance/uploads) of the proposal's optional photo.
    photo_path: Mapped[str | None] = mapped_column(String(255))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    poll = relationship("Poll", back_populates="topics", foreign_keys=[poll_id])
    domain = relationship("Domain")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    merged_into = relationship("Topic", remote_side=[id])
    tallies = relationship("OfflineTally", back_populates="topic", order_by="OfflineTally.id")


class Vote(CreatedAt, db.Model):
    """One online vote. The database itself enforces one vote per user per topic and,
    through `slot`, at most votes_per_person votes per user per poll."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("topic_id", "user_id", name="uq_votes_topic_user"),
        # A user's k-th vote takes slot k; two concurrent submits cannot share a slot.
        UniqueConstraint("poll_id", "user_id", "slot", name="uq_votes_poll_user_slot"),
        CheckConstraint("slot >= 1", name="slot_positive"),
        Index("ix_votes_poll_topic", "poll_id", "topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int] = mapped_column(default=1)


class OfflineTally(CreatedAt, db.Model):
    """Votes gathered offline (线下征集), entered by the coordinator with their source."""

    __tablename__ = "offline_tallies"
    __table_args__ = (CheckConstraint("count >= 0", name="count_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    #: Where the count came from, e.g. a street office or a paper ballot box.
    source: Mapped[str] = mapped_column(String(120))
    collected_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column()
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Required reason for the latest edit (every edit is also audit-logged).
    edit_reason: Mapped[str | None] = mapped_column(String(300))

    topic = relationship("Topic", back_populates="tallies")
