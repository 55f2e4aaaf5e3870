"""The archive search: broadcast episodes found by their own text, their findings or their live notes.

It reads episodes, findings and live notes, so it sits above those three areas (none of which
imports it); the archive page (episodes/routes.py) calls it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Select, or_, select

from app.core.auth import Actor
from app.episodes.models import Episode
from app.episodes.queries import ARCHIVE_STATES, CST, filter_episodes, visible_episodes
from app.findings.models import Finding
from app.live.models import LiveNote


def archive(actor: Actor, *, q: str | None = None, domain: str | None = None, agency: str | None = None,
            year: int | None = None) -> Select:
    """Broadcast episodes, newest first; search titles, summaries, inspected parties and live notes."""
    query = filter_episodes(visible_episodes(actor).where(Episode.state.in_(ARCHIVE_STATES)),
                            None, domain, agency)
    if year:
        start = datetime(year, 1, 1, tzinfo=timezone.utc) - CST
        query = query.where(Episode.scheduled_start >= start,
                            Episode.scheduled_start < start.replace(year=year + 1))
    if q:
        words = q.strip()[:100]
        query = query.where(or_(
            Episode.title.icontains(words, autoescape=True),
            Episode.summary.icontains(words, autoescape=True),
            Episode.area.icontains(words, autoescape=True),
            Episode.id.in_(select(Finding.episode_id).where(Finding.party_name.icontains(words, autoescape=True))),
            Episode.id.in_(select(LiveNote.episode_id).where(LiveNote.body.icontains(words, autoescape=True))),
        ))
    return query.order_by(Episode.scheduled_start.desc(), Episode.id.desc())
