"""Conduct complaints: a viewer reports officer conduct seen in the stream; the agency answers by a deadline.

Rules (docs/parties.md): logged-in viewers complain about a broadcast episode (live or replay),
pinned to a moment of the stream; the coordinator and the agency are notified and the agency has
COMPLAINT_ANSWER_DAYS days (the coordinator may move the deadline); overdue is derived from the
deadline; the coordinator publishes an answered complaint on the episode, or dismisses it with a
reason. Nothing is public before publication; the author's name never is.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.core import ratelimit
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, RateLimited, ValidationFailed
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.services import audit, notify
from app.parties.models import ConductComplaint
from app.parties.services import require_coordinator

#: Episodes whose stream viewers have seen (live now, or a replay).
BROADCAST_STATES = ("live", "ended", "follow_up", "closed")
BODY_LIMIT = 1000


def get_complaint(complaint_id: int) -> ConductComplaint:
    """A complaint, or complaint_not_found."""
    complaint = db.session.get(ConductComplaint, complaint_id)
    if complaint is None:
        raise NotFound(_l("No such complaint."), code="complaint_not_found")
    return complaint


def may_read(actor: Actor, complaint: ConductComplaint) -> bool:
    """Published ones for everyone; others for the coordinator, the agency concerned and the author."""
    return (complaint.state == "published" or actor.is_coordinator or actor.is_agency_member(complaint.agency_id)
            or (actor.user_id is not None and actor.user_id == complaint.user_id))


def stream_offset(episode: Episode, now: datetime) -> int | None:
    """Seconds into the stream now (live episodes only), as comments count them."""
    if episode.state != "live" or episode.live_at is None:
        return None
    return max(0, int((now - episode.live_at).total_seconds()))


def submit(actor: Actor, episode_id: int, *, now: datetime, agency_id: int | None, body: str,
           offset_seconds: int | None = None) -> ConductComplaint:
    """Report officer conduct seen in the stream; the moment defaults to now when the episode is live."""
    require_login(actor)
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.state == "draft":
        raise NotFound(_l("This episode was not found."), code="episode_not_found")
    if episode.state not in BROADCAST_STATES:
        raise Conflict(_l("Conduct can be reported once the episode is broadcast."), code="complaint_not_broadcast")
    agencies = {p.agency_id for p in episode.participations}
    lead = next((p.agency_id for p in episode.participations if p.role == "lead"), None)
    agency_id = agency_id or lead
    if agency_id not in agencies:
        raise ValidationFailed(_l("Choose an agency taking part in this episode."), code="complaint_agency_invalid",
                               details={"fields": {"agency_id": ["not in episode"]}})
    body = (body or "").strip()
    if not body or len(body) > BODY_LIMIT:
        raise ValidationFailed(_l("Describe what you saw in 1 to %(n)s characters.", n=BODY_LIMIT),
                               code="complaint_body_invalid", details={"fields": {"body": ["length"]}})
    if offset_seconds is None:
        offset_seconds = stream_offset(episode, now)
    if offset_seconds is None:
        raise ValidationFailed(_l("Give the moment of the replay (minutes and seconds)."),
                               code="complaint_offset_required", details={"fields": {"offset": ["required"]}})
    end = episode.ended_at or now
    length = int((end - episode.live_at).total_seconds()) if episode.live_at else None
    if offset_seconds < 0 or (length is not None and offset_seconds > length):
        raise ValidationFailed(_l("This moment is not within the stream."), code="complaint_offset_invalid",
                               details={"fields": {"offset": ["outside the stream"]}})
    if not ratelimit.hit(current_app.config["COMPLAINT_RATE_USER"], "complaint", str(actor.user_id)):
        raise RateLimited(code="complaint_rate_limited")
    complaint = ConductComplaint(episode_id=episode.id, user_id=actor.user_id, agency_id=agency_id, body=body,
                                 offset_seconds=offset_seconds, state="submitted", created_at=now,
                                 answer_due=now + timedelta(days=int(current_app.config["COMPLAINT_ANSWER_DAYS"])))
    db.session.add(complaint)
    db.session.flush()
    from app.findings.services import agency_staff_ids, coordinator_ids
    from app.observers.services import zh

    notify(coordinator_ids() + agency_staff_ids(agency_id), "conduct_complaint",
           zh("A viewer reported officer conduct in episode %(number)s", number=episode.number), now=now,
           body=body[:200], link="/complaints", dedupe_key=f"complaint:{complaint.id}")
    audit(actor, "complaint.submit", "complaint", complaint.id, now=now)
    return complaint


def answer(actor: Actor, complaint_id: int, *, now: datetime, body: str) -> ConductComplaint:
    """The agency concerned answers (once; the coordinator decides on publication)."""
    require_login(actor)
    complaint = get_complaint(complaint_id)
    if not actor.is_agency_member(complaint.agency_id):
        if not may_read(actor, complaint):
            raise NotFound(_l("No such complaint."), code="complaint_not_found")
        raise NotAllowed(_l("Only the agency concerned answers a complaint."), code="complaint_agency_only")
    if complaint.state != "submitted":
        raise Conflict(_l("This complaint was already answered or decided."), code="complaint_answered")
    body = (body or "").strip()
    if not body or len(body) > 5000:
        raise ValidationFailed(_l("Write an answer of 1 to %(n)s characters.", n=5000), code="complaint_answer_invalid",
                               details={"fields": {"body": ["length"]}})
    complaint.state, complaint.answer_body = "answered", body
    complaint.answered_at, complaint.answered_by_id = now, actor.user_id
    db.session.flush()
    from app.findings.services import coordinator_ids
    from app.observers.services import zh

    notify(coordinator_ids(), "conduct_complaint_answered",
           zh("The agency answered a conduct complaint on episode %(number)s", number=complaint.episode.number),
           now=now, body=body[:200], link="/complaints", dedupe_key=f"complaint:{complaint.id}:answered")
    audit(actor, "complaint.answer", "complaint", complaint.id, now=now)
    return complaint


def set_due(actor: Actor, complaint_id: int, *, now: datetime, answer_due: datetime) -> ConductComplaint:
    """The coordinator moves the answer deadline of an unanswered complaint."""
    require_coordinator(actor)
    complaint = get_complaint(complaint_id)
    if complaint.state != "submitted":
        raise Conflict(_l("This complaint was already answered or decided."), code="complaint_answered")
    if answer_due <= now:
        raise ValidationFailed(_l("The deadline must be in the future."), code="complaint_due_past",
                               details={"fields": {"answer_due": ["past"]}})
    complaint.answer_due, complaint.overdue_notified_at = answer_due, None
    db.session.flush()
    audit(actor, "complaint.set_due", "complaint", complaint.id, now=now)
    return complaint


def decide(actor: Actor, complaint_id: int, *, now: datetime, publish: bool, reason: str = "") -> ConductComplaint:
    """Publish an answered complaint on the episode, or dismiss a complaint with a reason."""
    require_coordinator(actor)
    complaint = get_complaint(complaint_id)
    if complaint.state in ("published", "dismissed"):
        raise Conflict(_l("This complaint was already decided."), code="complaint_decided")
    reason = (reason or "").strip()[:500]
    if publish and complaint.state != "answered":
        raise Conflict(_l("Only an answered complaint can be published."), code="complaint_not_answered")
    if not publish and not reason:
        raise ValidationFailed(_l("Give a reason for dismissing."), code="complaint_reason_required",
                               details={"fields": {"reason": ["required"]}})
    complaint.state = "published" if publish else "dismissed"
    complaint.decided_at, complaint.decided_by_id, complaint.review_reason = now, actor.user_id, reason or None
    db.session.flush()
    from app.observers.services import zh

    notify([complaint.user_id], "conduct_complaint_decided",
           zh("Your conduct complaint was published with the agency's answer") if publish
           else zh("Your conduct complaint was not published"), now=now, body=reason,
           link=f"/episodes/{complaint.episode_id}" if publish else "/complaints",
           dedupe_key=f"complaint:{complaint.id}:decided")
    audit(actor, "complaint." + complaint.state, "complaint", complaint.id, now=now, reason=reason or None)
    return complaint


def overdue_clause(now: datetime):
    """SQL condition: unanswered and past the deadline."""
    return and_(ConductComplaint.state == "submitted", ConductComplaint.answer_due < now)


def visible(actor: Actor):
    """The complaints the actor may list: all for the coordinator, their agency's, or their own."""
    query = select(ConductComplaint)
    if actor.is_coordinator:
        return query
    if actor.role == "agency_staff":
        return query.where(ConductComplaint.agency_id == actor.agency_id)
    return query.where(ConductComplaint.user_id == actor.user_id)


def published_for(episode_id: int) -> list[ConductComplaint]:
    """Published complaints of an episode with the agency's answers, by their moment in the stream."""
    return list(db.session.scalars(select(ConductComplaint).where(
        ConductComplaint.episode_id == episode_id, ConductComplaint.state == "published")
        .order_by(ConductComplaint.offset_seconds, ConductComplaint.id)))
