"""Comments and questions, live notes and moderation records (legal bases live in app.library)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.core.db import UTCDateTime
from app.core.models_base import CreatedAt, in_check
from app.extensions import db

COMMENT_KINDS = ("comment", "question")
#: held: caught by the word filter, awaiting review; hidden: removed by a moderator.
COMMENT_STATES = ("published", "held", "hidden")
COMMENT_MAX_LENGTH = 300


class Comment(CreatedAt, db.Model):
    """A comment or question in an episode's live room."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("episode_id", "seq", name="uq_comments_episode_seq"),
        # Published comments of an episode in seq order, counted and paged without reading rows.
        Index("ix_comments_episode_state_seq", "episode_id", "state", "seq"),
        in_check("kind", COMMENT_KINDS, "kind"),
        in_check("state", COMMENT_STATES, "state"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint(f"length(body) BETWEEN 1 AND {COMMENT_MAX_LENGTH}", name="body_length"),
        CheckConstraint("upvotes >= 0", name="upvotes"),
        CheckConstraint("answer_body IS NULL OR kind = 'question'", name="answer_only_questions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    #: Monotonic within the episode: clients resume from the last seq they saw.
    seq: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="comment")
    body: Mapped[str] = mapped_column(String(COMMENT_MAX_LENGTH))
    state: Mapped[str] = mapped_column(String(10), default="published")
    #: Seconds from the live start, for replay in sync with the video.
    offset_seconds: Mapped[int | None] = mapped_column()
    upvotes: Mapped[int] = mapped_column(default=0)
    answer_body: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderation_reason: Mapped[str | None] = mapped_column(String(200))

    user = relationship("User", foreign_keys=[user_id])
    #: The author's observer kind (deputy, cppcc, …), loaded with the comment by `published()`.
    observer_kind: Mapped[str | None] = query_expression()


class CommentCounter(db.Model):
    """The last comment seq handed out in an episode, in a row of its own (app/live/seqs.py).

    Not on the episode row: every comment takes a seq, and the episode row is also written by
    the like, viewer and peak flushes. On PostgreSQL the table is UNLOGGED (see the migration):
    taking a seq writes no WAL, so its autocommitted UPDATE holds the row for microseconds and
    never across a disk flush. After a PostgreSQL crash the table is empty and each counter
    starts again above the episode's highest stored seq.
    """

    __tablename__ = "comment_counters"

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class QuestionUpvote(CreatedAt, db.Model):
    """One viewer's upvote of a question."""

    __tablename__ = "question_upvotes"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class LiveNote(CreatedAt, db.Model):
    """Text-and-image commentary posted by the host during the live (图文讲解)."""

    __tablename__ = "live_notes"
    __table_args__ = (
        Index("ix_live_notes_episode_time", "episode_id", "created_at"),
        CheckConstraint("length(body) >= 1", name="body_nonempty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(String(255))
    legal_basis_id: Mapped[int | None] = mapped_column(ForeignKey("legal_bases.id"))
    offset_seconds: Mapped[int | None] = mapped_column()

    legal_basis = relationship("LegalBasis")
    author = relationship("User")


class SensitiveWord(CreatedAt, db.Model):
    """A word the coordinator lists: comments containing it are held for review."""

    __tablename__ = "sensitive_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(60), unique=True)


class EpisodeMute(CreatedAt, db.Model):
    """A user muted in one episode by a moderator (reversible: delete the row)."""

    __tablename__ = "episode_mutes"

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")
