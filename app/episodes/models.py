"""Episodes, the agencies taking part, and their viewers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.core.places import PLACE_KINDS
from app.extensions import db

EPISODE_STATES = ("draft", "scheduled", "live", "ended", "follow_up", "closed")
STREAM_KINDS = ("hls", "embed")
AGENCY_ROLES = ("lead", "support")


class Episode(CreatedAt, db.Model):
    """One live enforcement action, from its announcement to its closed follow-up."""

    __tablename__ = "episodes"
    __table_args__ = (
        in_check("state", EPISODE_STATES, "state"),
        in_check("stream_kind", STREAM_KINDS, "stream_kind"),
        in_check("place_kind", PLACE_KINDS, "place_kind"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("expected_minutes > 0", name="expected_minutes"),
        CheckConstraint("slow_mode_seconds >= 0", name="slow_mode"),
        CheckConstraint("observer_capacity >= 0", name="observer_capacity"),
        CheckConstraint("like_count >= 0 AND view_count >= 0 AND peak_viewers >= 0", name="counters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 第N期: the public episode number.
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The poll topic this episode was decided from (poll → topic → episode).
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), unique=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    place_kind: Mapped[str] = mapped_column(String(20), default="other")
    area: Mapped[str] = mapped_column(String(80), default="")
    host_name: Mapped[str] = mapped_column(String(40), default="")
    host_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expected_minutes: Mapped[int] = mapped_column(default=90)
    stream_kind: Mapped[str] = mapped_column(String(8), default="hls")
    stream_url: Mapped[str | None] = mapped_column(String(500))
    replay_url: Mapped[str | None] = mapped_column(String(500))
    cover_path: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    #: Times of each lifecycle transition.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Minimum seconds between two comments of one user (0 = off), set live.
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)
    observer_capacity: Mapped[int] = mapped_column(default=10)
    #: Comment seqs handed out before comment_counters existed; new seqs come from there
    #: (app/live/seqs.py), which starts above this and above the highest stored seq.
    last_comment_seq: Mapped[int] = mapped_column(default=0)
    #: Totals flushed from the in-memory/Redis counters in batches.
    like_count: Mapped[int] = mapped_column(default=0)
    view_count: Mapped[int] = mapped_column(default=0)
    peak_viewers: Mapped[int] = mapped_column(default=0)
    pinned_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", use_alter=True, name="fk_episodes_pinned_comment_id_comments"))
    pinned_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_notes.id", use_alter=True, name="fk_episodes_pinned_note_id_live_notes"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    topic = relationship("Topic")
    domain = relationship("Domain")
    participations = relationship("EpisodeAgency", back_populates="episode",
                                  cascade="all, delete-orphan", order_by="EpisodeAgency.agency_id")

    @property
    def agencies(self) -> list:
        """The agencies taking part, lead first."""
        return [p.agency for p in sorted(self.participations, key=lambda p: p.role != "lead")]


class EpisodeAgency(db.Model):
    """An agency taking part in an episode."""

    __tablename__ = "episode_agencies"
    __table_args__ = (in_check("role", AGENCY_ROLES, "role"),)

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8), default="lead")

    episode = relationship("Episode", back_populates="participations")
    agency = relationship("Agency")


class EpisodeViewer(CreatedAt, db.Model):
    """A distinct viewer of an episode (user id or anonymous browser key), for total views."""

    __tablename__ = "episode_viewers"
    __table_args__ = (UniqueConstraint("episode_id", "viewer_key", name="uq_episode_viewers_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    #: "u:<user id>" or "a:<hash of the anonymous browser key>".
    viewer_key: Mapped[str] = mapped_column(String(80))
