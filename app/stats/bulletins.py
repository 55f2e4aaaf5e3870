"""Monthly supervision bulletins: what a month held, rendered as HTML and PDF and archived."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.core.auth import Actor, require_role
from app.core.errors import NotFound, ValidationFailed
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.findings.models import Finding, FollowUp
from app.findings.queries import PUBLIC_EPISODE_STATES
from app.observers.models import Invitation, ObserverNote
from app.stats.cache import zone
from app.stats.datasets import HELD_STATES, OPEN_FINDING_STATES
from app.stats.models import Bulletin

#: WeasyPrint logs every layout step at INFO; keep its warnings only.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC (months are in the display time zone)."""
    match = MONTH_RE.match(month or "")
    if not match:
        raise ValidationFailed(_l("Give the month as YYYY-MM."), code="bulletin_month_invalid",
                               details={"fields": {"month": "invalid"}})
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=zone())
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone())
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def previous_month(now: datetime) -> str:
    """YYYY-MM of the month before now's (display time zone)."""
    local = now.astimezone(zone())
    year, number = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{number:02d}"


def facts(month: str, now: datetime) -> dict:
    """What the bulletin reports: episodes, findings, follow-ups, overdue items, observer activity."""
    start, end = month_bounds(month)
    cutoff = min(end, now)
    episodes = db.session.scalars(
        select(Episode).where(Episode.state.in_(HELD_STATES), Episode.scheduled_start >= start,
                              Episode.scheduled_start < end)
        .options(selectinload(Episode.participations).selectinload(EpisodeAgency.agency))
        .order_by(Episode.scheduled_start)).all()
    public = select(Episode.id).where(Episode.state.in_(PUBLIC_EPISODE_STATES))
    found = db.session.scalars(select(Finding).where(Finding.episode_id.in_(public), Finding.created_at >= start,
                                                     Finding.created_at < end)
                               .options(selectinload(Finding.agency), selectinload(Finding.domain))
                               .order_by(Finding.id)).all()
    rectified = db.session.scalar(select(func.count(Finding.id)).where(
        Finding.episode_id.in_(public), Finding.rectified_at >= start, Finding.rectified_at < end)) or 0
    overdue = db.session.scalars(select(Finding).where(
        Finding.episode_id.in_(public), Finding.rectify_by < cutoff,
        or_(Finding.state.in_(OPEN_FINDING_STATES), Finding.rectified_at > cutoff))
        .options(selectinload(Finding.agency)).order_by(Finding.rectify_by)).all()
    reports = db.session.scalars(select(FollowUp).where(FollowUp.state == "published",
                                                        FollowUp.published_at >= start, FollowUp.published_at < end)
                                 .options(selectinload(FollowUp.agency), selectinload(FollowUp.episode))
                                 .order_by(FollowUp.published_at)).all()
    episode_ids = [e.id for e in episodes]
    observers = db.session.scalar(select(func.count(func.distinct(Invitation.observer_id))).where(
        Invitation.episode_id.in_(episode_ids), Invitation.state == "accepted")) or 0
    checked_in = db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.episode_id.in_(episode_ids), Invitation.checked_in_at.is_not(None))) or 0
    notes = db.session.scalar(select(func.count(ObserverNote.id)).where(
        ObserverNote.created_at >= start, ObserverNote.created_at < end)) or 0
    answered = db.session.scalar(select(func.count(ObserverNote.id)).where(
        ObserverNote.answered_at >= start, ObserverNote.answered_at < end)) or 0
    notes_overdue = db.session.scalar(select(func.count(ObserverNote.id)).where(
        ObserverNote.answer_due < cutoff,
        or_(ObserverNote.answered_at.is_(None), ObserverNote.answered_at > cutoff))) or 0
    return {"month": month, "start": start, "end": end, "cutoff": cutoff, "episodes": episodes,
            "views": sum(e.view_count for e in episodes), "findings": found, "rectified": rectified,
            "overdue": overdue, "reports": reports, "observers": observers, "checked_in": checked_in,
            "notes": notes, "answered": answered, "notes_overdue": notes_overdue}


def pdf_dir() -> Path:
    """Where bulletin PDFs are kept (instance/bulletins)."""
    path = Path(current_app.instance_path) / "bulletins"
    path.mkdir(parents=True, exist_ok=True)
    return path


def render_pdf(month: str, html: str) -> str:
    """Write the PDF of a bulletin's HTML; the file name."""
    from weasyprint import CSS, HTML

    document = render_template("stats/bulletin_document.html", body=html, month=month)
    css = Path(current_app.static_folder) / "css" / "bulletin-print.css"
    name = f"bulletin-{month}.pdf"
    HTML(string=document, base_url=current_app.static_folder).write_pdf(
        pdf_dir() / name, stylesheets=[CSS(filename=str(css))])
    return name


def generate(actor: Actor, *, month: str, now: datetime) -> Bulletin:
    """Render (or render again) a month's bulletin; only a finished or current month."""
    require_role(actor, "coordinator")
    start, _end = month_bounds(month)
    if start > now:
        raise ValidationFailed(_l("That month has not begun yet."), code="bulletin_month_future",
                               details={"fields": {"month": "future"}})
    html = render_template("stats/bulletin_body.html", f=facts(month, now), generated_at=now)
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is None:
        bulletin = Bulletin(month=month)
        db.session.add(bulletin)
    bulletin.html, bulletin.generated_at = html, now
    bulletin.generated_by_id = actor.user_id
    bulletin.pdf_path = render_pdf(month, html)
    db.session.flush()
    return bulletin


def get(month: str) -> Bulletin:
    """An archived bulletin, or NotFound."""
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.month == month)) if MONTH_RE.match(month) else None
    if bulletin is None:
        raise NotFound(code="bulletin_not_found")
    return bulletin


def archive() -> list[Bulletin]:
    """Every bulletin, newest month first."""
    return list(db.session.scalars(select(Bulletin).order_by(Bulletin.month.desc())))
