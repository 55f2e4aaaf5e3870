"""Subscriptions, notifications and the audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db

SUBSCRIPTION_TARGETS = ("episode", "finding", "agency", "poll")


class Subscription(CreatedAt, db.Model):
    """A user following an episode (remind me), a finding, an agency or a poll."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "target_kind", "target_id", name="uq_subscriptions_target"),
        in_check("target_kind", SUBSCRIPTION_TARGETS, "target_kind"),
        Index("ix_subscriptions_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()


class Notification(CreatedAt, db.Model):
    """A site notification; `dedupe_key` lets a job that runs twice notify once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_dedupe"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What happened, e.g. "episode_reminder", "poll_decided", "follow_up_published".
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditLog(CreatedAt, db.Model):
    """Who did what to which object, and why: moderation, tallies, decisions, reviews."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the system (scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    #: Before/after values or other context.
    data: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))


class Heartbeat(db.Model):
    """The scheduler's last sign of life, read by /healthz from any process."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Host and pid of the process holding the scheduler.
    holder: Mapped[str] = mapped_column(String(120), default="")
