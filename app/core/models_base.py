"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import now
from app.core.db import UTCDateTime


def in_check(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """A CHECK that column holds one of values (states, kinds)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class CreatedAt:
    """Mixin: a created_at timestamp set on insert."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, nullable=False)
