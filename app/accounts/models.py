"""Users, their roles and personal API tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.auth import ROLES
from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db


class User(CreatedAt, UserMixin, db.Model):
    """A site account. Agency staff belong to exactly one agency."""

    __tablename__ = "users"
    __table_args__ = (
        in_check("role", ROLES, "role"),
        CheckConstraint("role <> 'agency_staff' OR agency_id IS NOT NULL", name="staff_has_agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Log-in name, stored lower-case.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="public")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: Preferred UI language ("zh" or "en"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    #: Site-wide ban by a moderator; banned users cannot log in or post.
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ban_reason: Mapped[str | None] = mapped_column(String(200))
    #: Bumped on password change and log-out everywhere; part of the session id.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agency = relationship("Agency", back_populates="staff")

    def get_id(self) -> str:
        """Flask-Login session id: user, session version (password changes end old sessions) and the
        UserSession row this browser holds (log-out ends it)."""
        return f"{self.id}:{self.session_version}:{getattr(self, 'session_row_id', 0)}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Banned accounts are inactive."""
        return self.banned_at is None


class UserSession(CreatedAt, db.Model):
    """One logged-in browser: log-out ends it, so a copy of its cookie no longer logs anyone in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Set on log-out; the signed session cookie names this row and is refused from then on.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(CreatedAt, db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: hex SHA-256 of the secret; the secret itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the secret, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")


class LoginAttempt(CreatedAt, db.Model):
    """A failed log-in, counted to throttle guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_time", "username", "created_at"),
                      Index("ix_login_attempts_ip_time", "ip", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str] = mapped_column(String(64))
