"""Publishing approved reports when due, and deadline reminders: compare-and-set, safe to run concurrently.

Each sweep's first statement is an `UPDATE … WHERE <still due> RETURNING id`: on PostgreSQL a
second, concurrent sweep waits on the row locks and then finds the rows no longer due; on SQLite
the write lock serializes them the same way. Only the rows a sweep actually changed get their
side effects (finding states, notifications, the live push), so nothing happens twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.core import realtime
from app.core.auth import SYSTEM
from app.episodes.rooms import NAMESPACE, episode_room
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.findings.services import agency_staff_ids, coordinator_ids
from app.notifications.services import audit, followers, notify

#: Finding states that still wait for rectification (overdue is derived from these and the deadline).
PENDING_STATES = ("open", "partly_rectified", "reopened")
#: Outcome → the finding's state once the report is published.
STATE_FOR_OUTCOME = {"rectified": "rectified", "partly_rectified": "partly_rectified", "not_rectified": "open"}
EVENT = "follow_up_published"


def publish_due(now: datetime, report_ids: list[int] | None = None) -> list[int]:
    """Publish every approved report whose publish time has come; returns the ids this call published."""
    stmt = (update(FollowUp).where(FollowUp.state == "approved", FollowUp.publish_at <= now)
            .values(state="published", published_at=now).returning(FollowUp.id)
            .execution_options(synchronize_session=False))
    if report_ids is not None:
        stmt = stmt.where(FollowUp.id.in_(report_ids))
    ids = sorted(db.session.scalars(stmt).all())
    for report_id in ids:
        report = db.session.get(FollowUp, report_id)
        db.session.refresh(report)
        _apply(report, now)
    return ids


def _apply(report: FollowUp, now: datetime) -> None:
    """Side effects of one publication: findings' states, notifications, audit, live push."""
    for item in report.outcomes:
        finding = item.finding
        if finding.state == "closed":
            continue
        finding.state = STATE_FOR_OUTCOME[item.outcome]
        finding.rectified_at = now if item.outcome == "rectified" else None
    audit(SYSTEM, "follow_up.publish", "follow_up", report.id, now=now)
    users = set(followers("episode", report.episode_id)) | set(followers("agency", report.agency_id))
    for item in report.outcomes:
        users |= set(followers("finding", item.finding_id))
    title = str(_l("Follow-up published: episode %(number)s, %(agency)s", number=report.episode.number,
                   agency=report.agency.short_name))
    notify(users, "follow_up_published", title, now=now, link=f"/follow-ups/{report.id}",
           dedupe_key=f"follow_up_published:{report.id}")
    realtime.emit(EVENT, live_payload(report), room=episode_room(report.episode_id), namespace=NAMESPACE)


def live_payload(report: FollowUp) -> dict:
    """What the episode page receives when a report goes public (documented in docs/follow-up.md)."""
    counts = {"rectified": 0, "partly_rectified": 0, "not_rectified": 0}
    for item in report.outcomes:
        counts[item.outcome] += 1
    return {"id": report.id, "episode_id": report.episode_id, "agency": report.agency.short_name,
            "published_at": report.published_at.isoformat(), "url": f"/follow-ups/{report.id}",
            "outcomes": counts, "findings": len(report.outcomes)}


def _mark(column, condition, now: datetime) -> list[Finding]:
    """Set a bookkeeping column on findings that match and have it unset; return those changed."""
    stmt = (update(Finding).where(column.is_(None), Finding.state.in_(PENDING_STATES), *condition)
            .values({column.key: now}).returning(Finding.id).execution_options(synchronize_session=False))
    ids = db.session.scalars(stmt).all()
    if not ids:
        return []
    return list(db.session.scalars(select(Finding).where(Finding.id.in_(ids))
                                   .options(selectinload(Finding.episode)).order_by(Finding.id)))


def remind_deadlines(now: datetime) -> dict[str, int]:
    """Remind the agency 3 days and 1 day before a deadline; notify agency and coordinator once it passes."""
    three = _mark(Finding.reminded_3d_at, (Finding.rectify_by > now + timedelta(days=1),
                                           Finding.rectify_by <= now + timedelta(days=3)), now)
    one = _mark(Finding.reminded_1d_at, (Finding.rectify_by > now, Finding.rectify_by <= now + timedelta(days=1)), now)
    overdue = _mark(Finding.overdue_notified_at, (Finding.rectify_by < now,), now)
    for finding, days in [(f, 3) for f in three] + [(f, 1) for f in one]:
        title = (_l("Rectification due in 3 days: %(party)s", party=finding.party_name) if days == 3
                 else _l("Rectification due within a day: %(party)s", party=finding.party_name))
        notify(agency_staff_ids(finding.agency_id), "finding_deadline", str(title),
               now=now, link=f"/findings/{finding.id}", dedupe_key=f"finding_deadline_{days}d:{finding.id}")
    coordinators = coordinator_ids()
    for finding in overdue:
        notify(agency_staff_ids(finding.agency_id) + coordinators, "finding_overdue",
               str(_l("Rectification overdue: %(party)s", party=finding.party_name)),
               now=now, link=f"/findings/{finding.id}", dedupe_key=f"finding_overdue:{finding.id}")
    return {"reminded_3d": len(three), "reminded_1d": len(one), "overdue": len(overdue)}
