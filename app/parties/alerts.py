"""Repeated-inspection alerts: a party inspected more than N times within a window (涉企检查过频提醒).

Counted across agencies and episodes: every inspection of the party (one per episode) whose time
falls in the window (now − PARTY_ALERT_WINDOW_DAYS, now]. The limit and window are settings
(PARTY_ALERT_MAX_INSPECTIONS, PARTY_ALERT_WINDOW_DAYS). The coordinator is notified when an
inspection takes the party over the limit (once per inspection: the dedupe key and alerted_at);
the dashboard and the party page compute the same count live, so they follow the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.parties.models import Inspection, Party


@dataclass(frozen=True)
class Limit:
    """The configured rule: more than `max_inspections` within `window`."""

    max_inspections: int
    window: timedelta


def limit() -> Limit:
    """The rule as configured."""
    return Limit(int(current_app.config["PARTY_ALERT_MAX_INSPECTIONS"]),
                 timedelta(days=int(current_app.config["PARTY_ALERT_WINDOW_DAYS"])))


def _in_window(now: datetime, rule: Limit):
    return (Inspection.inspected_at > now - rule.window) & (Inspection.inspected_at <= now)


def recent_count(party_id: int, now: datetime) -> int:
    """Inspections of the party within the window ending now."""
    return db.session.scalar(select(func.count(Inspection.id)).where(
        Inspection.party_id == party_id, _in_window(now, limit()))) or 0


def is_alerted(party_id: int, now: datetime) -> bool:
    """True while the party is over the limit."""
    return recent_count(party_id, now) > limit().max_inspections


def alerted_parties(now: datetime, max_rows: int = 20) -> tuple[int, list[tuple[Party, int]]]:
    """How many parties are over the limit now, and the first max_rows of them with their counts."""
    rule = limit()
    counts = (select(Inspection.party_id, func.count(Inspection.id).label("n"))
              .where(_in_window(now, rule)).group_by(Inspection.party_id)
              .having(func.count(Inspection.id) > rule.max_inspections).subquery())
    total = db.session.scalar(select(func.count()).select_from(counts)) or 0
    rows = db.session.execute(select(Party, counts.c.n).join(counts, counts.c.party_id == Party.id)
                              .order_by(counts.c.n.desc(), Party.id).limit(max_rows)).all() if total else []
    return total, [(party, n) for party, n in rows]


def check(inspection: Inspection, *, now: datetime) -> bool:
    """Warn the coordinator if this inspection took its party over the limit (once); True when warned."""
    if inspection.alerted_at is not None:
        return False
    rule = limit()
    count = db.session.scalar(select(func.count(Inspection.id)).where(
        Inspection.party_id == inspection.party_id, _in_window(inspection.inspected_at, rule))) or 0
    if count <= rule.max_inspections:
        return False
    from app.findings.services import coordinator_ids
    from app.notifications.services import notify
    from app.observers.services import zh

    party = db.session.get(Party, inspection.party_id)
    notify(coordinator_ids(), "party_repeated_inspection",
           zh("%(party)s was inspected %(count)s times within %(days)s days", party=party.name, count=count,
              days=rule.window.days), now=now,
           body=zh("More than %(max)s inspections within the window: consider coordinating the agencies' "
                   "inspections.", max=rule.max_inspections),
           link=f"/parties/{party.id}", dedupe_key=f"party_alert:{inspection.id}")
    inspection.alerted_at = now
    return True
