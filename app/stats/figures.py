"""The program's figures and chart series, computed from the open datasets only (pure functions).

Definitions (docs/statistics.md):
- episodes, views, peak and observers count *held* episodes (ended, follow-up, closed);
- average views = total views / held episodes, rounded to a whole number;
- agencies = distinct agencies of held episodes; observers = distinct accepted observers of held episodes;
- domains covered = distinct domains of held episodes and of findings;
- findings = findings of broadcast episodes; rectification rate, on-time rate and median days come from
  app.findings.stats (due findings only, n = due); overdue = not rectified and past the deadline.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, tzinfo

from app.findings import stats

from app.stats.datasets import HELD_STATES, OPEN_FINDING_STATES


def _t(value: str | datetime | None) -> datetime | None:
    """A time of a row (a datetime in the snapshot, an ISO string in a download)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def finding_row(f: dict) -> stats.Row:
    """A statistics row of an open-data finding."""
    return stats.Row(state=f["state"], found_at=_t(f["found_at"]), rectify_by=_t(f["rectify_by"]),
                     rectified_at=_t(f["rectified_at"]), agency_id=f["agency"], domain_id=f["domain"])


def is_overdue(f: dict, now: datetime) -> bool:
    """Not rectified and past its deadline (Finding.is_overdue on an open-data row)."""
    return f["state"] in OPEN_FINDING_STATES and now > _t(f["rectify_by"])


def summary_dict(summary: stats.Summary) -> dict:
    """A Summary as JSON-able numbers."""
    return {"findings": summary.total, "due": summary.due, "rectified": summary.rectified,
            "on_time": summary.on_time, "rectification_rate": summary.rate,
            "on_time_rate": summary.on_time_rate, "median_days_to_rectify": summary.median_days}


def figures(episodes: list[dict], findings: list[dict], now: datetime, rows: list[stats.Row] | None = None) -> dict:
    """The statistics page's headline figures (rows: the findings' statistics rows, if already made)."""
    held = [e for e in episodes if e["state"] in HELD_STATES]
    views = sum(e["view_count"] for e in held)
    summary = stats.summarize(rows if rows is not None else [finding_row(f) for f in findings], now)
    return {
        "episodes": len(held),
        "total_views": views,
        "average_views": round(views / len(held)) if held else 0,
        "peak_viewers": max((e["peak_viewers"] for e in held), default=0),
        "agencies": len({slug for e in held for slug in e["agencies"]}),
        "observers": len({oid for e in held for oid in e["observer_ids"]}),
        "domains": len({e["domain"] for e in held} | {f["domain"] for f in findings}),
        **summary_dict(summary),
        "overdue": sum(1 for f in findings if is_overdue(f, now)),
    }


def month_of(value: str | datetime, zone: tzinfo) -> str:
    """YYYY-MM of a time in the display time zone."""
    local = _t(value).astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def charts(episodes: list[dict], findings: list[dict], now: datetime, zone: tzinfo,
           rows: list[stats.Row] | None = None) -> dict:
    """Series over time (month), by domain and by agency."""
    rows = rows if rows is not None else [finding_row(f) for f in findings]
    held = [e for e in episodes if e["state"] in HELD_STATES]
    ep_month = Counter(month_of(e["scheduled_start"], zone) for e in held)
    f_month = Counter(month_of(f["found_at"], zone) for f in findings)
    months = sorted(set(ep_month) | set(f_month))
    views_month = Counter()
    for e in held:
        views_month[month_of(e["scheduled_start"], zone)] += e["view_count"]
    by_domain_f = Counter(f["domain"] for f in findings)
    by_domain_e = Counter(e["domain"] for e in held)
    domains = sorted(set(by_domain_f) | set(by_domain_e))
    per_agency = stats.summarize_by(rows, lambda r: r.agency_id, now)
    ep_agency = Counter(slug for e in held for slug in e["agencies"])
    agencies = sorted(set(per_agency) | set(ep_agency))
    return {
        "over_time": {"labels": months, "episodes": [ep_month[m] for m in months],
                      "findings": [f_month[m] for m in months], "views": [views_month[m] for m in months]},
        "by_domain": {"labels": domains, "episodes": [by_domain_e[d] for d in domains],
                      "findings": [by_domain_f[d] for d in domains]},
        "by_agency": {"labels": agencies, "episodes": [ep_agency[a] for a in agencies],
                      "findings": [per_agency[a].total if a in per_agency else 0 for a in agencies],
                      "rectification_rate": [per_agency[a].rate if a in per_agency else None
                                             for a in agencies]},
    }


def agency_figures(episodes: list[dict], findings: list[dict], follow_ups: list[dict], now: datetime,
                   rows: list[stats.Row] | None = None) -> dict:
    """Every agency's figures (slug → held episodes, published follow-ups, finding rates, overdue)."""
    rows = rows if rows is not None else [finding_row(f) for f in findings]
    by_agency: dict[str, list[tuple[dict, stats.Row]]] = {}
    for f, row in zip(findings, rows):
        by_agency.setdefault(f["agency"], []).append((f, row))
    held = Counter(slug for e in episodes if e["state"] in HELD_STATES for slug in e["agencies"])
    reports = Counter(r["agency"] for r in follow_ups)
    out = {}
    for slug in set(by_agency) | set(held) | set(reports):
        mine = by_agency.get(slug, [])
        summary = stats.summarize([row for _, row in mine], now)
        out[slug] = {"episodes": held[slug], "follow_ups": reports[slug], **summary_dict(summary),
                     "overdue": sum(1 for f, _ in mine if is_overdue(f, now))}
    return out
