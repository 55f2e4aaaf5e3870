"""The board's statistics, checked against numbers computed by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.findings.stats import Row, summarize, summarize_by

NOW = datetime(2030, 6, 1, tzinfo=timezone.utc)
D = timedelta(days=1)
FOUND = datetime(2030, 5, 1, tzinfo=timezone.utc)

ROWS = [
    # due, rectified on time after 4 days
    Row("rectified", FOUND, FOUND + 10 * D, FOUND + 4 * D, episode_id=1, agency_id=1),
    # due, closed, rectified late after 12 days
    Row("closed", FOUND, FOUND + 10 * D, FOUND + 12 * D, episode_id=1, agency_id=2),
    # due, still open (overdue)
    Row("open", FOUND, FOUND + 10 * D, None, episode_id=1, agency_id=1),
    # due, reopened by the public: not counted as rectified
    Row("reopened", FOUND, FOUND + 20 * D, None, episode_id=2, agency_id=2),
    # not due yet, already rectified after 6 days: counts for the median only
    Row("rectified", FOUND, NOW + 5 * D, FOUND + 6 * D, episode_id=2, agency_id=1),
    # not due yet, open
    Row("open", FOUND, NOW + 5 * D, None, episode_id=2, agency_id=2),
]


def test_overall_by_hand():
    s = summarize(ROWS, NOW)

    assert (s.total, s.due, s.rectified, s.on_time) == (6, 4, 2, 1)
    assert s.rate == 0.5
    assert s.on_time_rate == 0.25
    assert s.median_days == 6.0  # median of 4, 12, 6


def test_per_episode_and_agency_by_hand():
    by_episode = summarize_by(ROWS, lambda r: r.episode_id, NOW)
    by_agency = summarize_by(ROWS, lambda r: r.agency_id, NOW)

    assert (by_episode[1].due, by_episode[1].rectified) == (3, 2)
    assert abs(by_episode[1].rate - 2 / 3) < 1e-9
    assert (by_episode[2].due, by_episode[2].rate) == (1, 0.0)
    assert by_episode[2].median_days == 6.0
    assert (by_agency[1].due, by_agency[1].rate, by_agency[1].median_days) == (2, 0.5, 5.0)
    assert (by_agency[2].due, by_agency[2].rate, by_agency[2].on_time_rate) == (2, 0.5, 0.0)


def test_nothing_due_gives_no_rate():
    s = summarize([Row("open", FOUND, NOW + D, None)], NOW)

    assert (s.due, s.rate, s.on_time_rate, s.median_days) == (0, None, None, None)
    assert summarize([], NOW).total == 0


def test_a_deadline_exactly_now_is_due():
    s = summarize([Row("open", FOUND, NOW, None)], NOW)

    assert (s.due, s.rate) == (1, 0.0)
