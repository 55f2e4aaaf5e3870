"""Follow-up statistics as pure functions over plain rows (reused by the statistics pages).

Definitions (also in docs/follow-up.md):
- a finding is *due* once its deadline has passed (`rectify_by <= now`);
- rectification rate = due findings that are rectified or closed / due findings;
- on-time rate = due findings rectified on or before their deadline / due findings;
- days to rectify = (rectified_at − found_at) in days, over every rectified finding; the median is shown.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

DONE_STATES = ("rectified", "closed")


@dataclass(frozen=True)
class Row:
    """The facts of one finding the statistics need."""

    state: str
    found_at: datetime
    rectify_by: datetime
    rectified_at: datetime | None = None
    episode_id: int | None = None
    agency_id: int | None = None
    domain_id: int | None = None


@dataclass(frozen=True)
class Summary:
    """Counts and rates of a group of findings; rates are None when nothing is due (n = 0)."""

    total: int
    due: int
    rectified: int
    on_time: int
    rate: float | None
    on_time_rate: float | None
    median_days: float | None


def is_done(row: Row) -> bool:
    """Rectified (or closed after rectification)."""
    return row.state in DONE_STATES and row.rectified_at is not None


def summarize(rows: Iterable[Row], now: datetime) -> Summary:
    """Rates over due findings and the median days to rectify."""
    rows = list(rows)
    due = [r for r in rows if r.rectify_by <= now]
    rectified = [r for r in due if is_done(r)]
    on_time = [r for r in rectified if r.rectified_at <= r.rectify_by]
    days = [(r.rectified_at - r.found_at).total_seconds() / 86400 for r in rows if is_done(r)]
    return Summary(
        total=len(rows), due=len(due), rectified=len(rectified), on_time=len(on_time),
        rate=len(rectified) / len(due) if due else None,
        on_time_rate=len(on_time) / len(due) if due else None,
        median_days=round(median(days), 1) if days else None)


def summarize_by(rows: Iterable[Row], key: Callable[[Row], Hashable], now: datetime) -> dict[Hashable, Summary]:
    """One summary per group (e.g. key=lambda r: r.agency_id)."""
    groups: dict[Hashable, list[Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {k: summarize(v, now) for k, v in groups.items()}
