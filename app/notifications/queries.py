"""Read-side of follows: whether a user follows an episode, a finding or an agency."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Subscription


def follows(user_id: int | None, kind: str, target_id: int) -> bool:
    """True when the user follows the target (an anonymous visitor follows nothing)."""
    if user_id is None:
        return False
    return db.session.scalar(select(Subscription.id).where(
        Subscription.user_id == user_id, Subscription.target_kind == kind,
        Subscription.target_id == target_id)) is not None
