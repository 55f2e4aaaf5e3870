"""One computed snapshot of the open data and the figures, cached per process.

The statistics page, the agency pages, the statistics API and the open-data downloads all read
the same Snapshot, so they never disagree. A snapshot is reused while
- it is younger than TTL_SECONDS (60 s: "as of" times move, counters are flushed in batches), and
- the data version is unchanged: a generation bumped after any commit in this process that wrote a
  counted table (explicit invalidation), plus the largest ids of the counted tables (catches rows
  added by other processes; their updates wait for the TTL).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import Markup
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core import clock
from app.extensions import db
from app.library import opendata as library_data
from app.stats import datasets
from app.stats import figures as fig

TTL_SECONDS = 60


@dataclass
class Snapshot:
    """The open datasets and everything computed from them, as of generated_at."""

    generated_at: datetime
    datasets: dict[str, list[dict]]
    figures: dict
    charts: dict
    agencies: dict[str, dict]
    #: Encoded downloads ((name, format) → bytes) and rendered page fragments, filled on first use.
    encoded: dict = field(default_factory=dict)


_lock = threading.Lock()
_state: dict = {"generation": 0, "key": None, "built": 0.0, "snapshot": None}


def _counted_classes() -> tuple:
    from app.agencies.models import Agency, Domain
    from app.episodes.models import Episode, EpisodeAgency
    from app.findings.models import Finding, FollowUp, FollowUpOutcome, FollowUpRevision
    from app.observers.models import Invitation, ObserverNote
    from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis, Statute
    from app.parties.models import Inspection, Party, PartyStatement
    from app.polls.models import OfflineTally, Poll, Topic

    return (Agency, Domain, Episode, EpisodeAgency, Finding, FollowUp, FollowUpOutcome, FollowUpRevision,
            Invitation, ObserverNote, Poll, Topic, OfflineTally, Statute, LegalBasis, EnforcementItem, DiscretionLevel,
            Inspection, Party, PartyStatement)


def _after_flush(session: Session, _context) -> None:
    classes = _counted_classes()
    if any(isinstance(obj, classes) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["stats_dirty"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("stats_dirty", False):
        invalidate()


def _after_rollback(session: Session) -> None:
    session.info.pop("stats_dirty", None)


def install_invalidation() -> None:
    """Listen to every session's flushes and commits (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def invalidate() -> None:
    """Drop the cached snapshot (the next reader computes a new one)."""
    _state["generation"] += 1


def data_version() -> tuple:
    """Largest ids of the counted tables (one query of index look-ups): catches rows added by other
    processes at once; their updates and deletions are caught by TTL_SECONDS."""
    from app.episodes.models import Episode
    from app.findings.models import Finding, FollowUp
    from app.observers.models import Invitation, ObserverNote
    from app.polls.models import Poll

    parts = []
    for model in (Episode, Finding, FollowUp, Invitation, ObserverNote, Poll):
        parts.append(select(func.max(model.id)).scalar_subquery())
    return tuple(db.session.execute(select(*parts)).one())


def zone() -> ZoneInfo:
    """The display time zone (months of the charts and bulletins)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def build(now: datetime) -> Snapshot:
    """Read the datasets and compute the figures as of now."""
    data = {"episodes": datasets.episodes(), "findings": datasets.findings(),
            "follow_ups": datasets.follow_ups(), "polls": datasets.polls(),
            "legal_articles": library_data.articles(), "enforcement_items": library_data.items(),
            "parties": datasets.parties()}
    rows = [fig.finding_row(f) for f in data["findings"]]
    return Snapshot(
        generated_at=now, datasets=data,
        figures=fig.figures(data["episodes"], data["findings"], now, rows),
        charts=fig.charts(data["episodes"], data["findings"], now, zone(), rows),
        agencies=fig.agency_figures(data["episodes"], data["findings"], data["follow_ups"], now, rows))


def snapshot() -> Snapshot:
    """The current snapshot: cached, rebuilt when stale or when the data changed."""
    key = (_state["generation"], data_version())
    cached = _state["snapshot"]
    if cached is not None and _state["key"] == key and time.monotonic() - _state["built"] < TTL_SECONDS:
        return cached
    with _lock:
        cached = _state["snapshot"]
        if cached is not None and _state["key"] == key and time.monotonic() - _state["built"] < TTL_SECONDS:
            return cached
        # Rounded to the second: the downloads show it, and recomputing uses exactly this time.
        fresh = build(clock.now().replace(microsecond=0))
        _state.update(key=key, built=time.monotonic(), snapshot=fresh)
        return fresh


def fragment(snap: Snapshot, key: tuple, render: Callable[[], str]) -> Markup:
    """A rendered piece of page kept with the snapshot (key names the page and the language)."""
    if key not in snap.encoded:
        snap.encoded[key] = Markup(render())
    return snap.encoded[key]
