"""Findings: recording them, evidence photos, public confirmations and the coordinator's decisions."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.episodes.models import Episode, EpisodeAgency
from app.extensions import db
from app.findings import photos
from app.findings.models import SEVERITIES, Finding, FindingConfirmation, FindingPhoto, FollowUp, FollowUpOutcome
from app.legal.citations import applied_standard, citable_basis
from app.notifications.services import audit, followers, notify

#: Episode states in which findings may be recorded.
RECORDING_STATES = ("live", "ended", "follow_up")
#: Finding states a confirmation can reopen.
CONFIRMABLE_STATES = ("rectified", "closed")
MAX_PHOTOS = 6
#: Called as hook(finding, episode, now=now) before a new finding is stored. Areas above findings join
#: here without findings importing them: app/parties links the finding to its party's record.
RECORD_HOOKS: list[Callable[..., object]] = []


def get_finding(finding_id: int) -> Finding:
    """A finding of a public episode, or NotFound."""
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.episode.state in ("draft",):
        raise NotFound(_l("This finding was not found."), code="finding_not_found")
    return finding


def participating_agency_ids(episode_id: int) -> set[int]:
    """Agencies taking part in an episode."""
    return set(db.session.scalars(select(EpisodeAgency.agency_id).where(EpisodeAgency.episode_id == episode_id)))


def may_record(actor: Actor, episode: Episode) -> bool:
    """The coordinator, or staff of an agency taking part in the episode."""
    if actor.is_coordinator:
        return True
    return actor.role == "agency_staff" and actor.agency_id in participating_agency_ids(episode.id)


def _text(value: str | None, field: str, limit: int, message, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(message, code=f"{field}_required", details={"field": field})
    if len(value) > limit:
        raise ValidationFailed(_l("This text is too long (at most %(n)s characters).", n=limit),
                               code=f"{field}_too_long", details={"field": field})
    return value


def record_finding(actor: Actor, episode_id: int, *, now: datetime, party_name: str, description: str,
                   domain_id: int, agency_id: int, rectify_by: datetime | None, severity: str = "moderate",
                   party_address: str = "", area: str = "", legal_basis_id: int | None = None,
                   replay_offset_seconds: int | None = None, enforcement_item_id: int | None = None,
                   discretion_level_id: int | None = None, photo_files: list[tuple[bytes, str]] = ()) -> Finding:
    """Record a problem found on camera; every photo is checked before anything is stored."""
    require_login(actor)
    episode = db.session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(_l("This episode was not found."), code="episode_not_found")
    if not may_record(actor, episode):
        raise NotAllowed(_l("Only the coordinator or an agency taking part in this episode may record findings."),
                         code="finding_not_allowed")
    if episode.state not in RECORDING_STATES:
        raise Conflict(_l("Findings can be recorded once the episode is live."), code="episode_not_broadcast")
    if rectify_by is None:
        raise ValidationFailed(_l("Set a rectification deadline."), code="rectify_by_required",
                               details={"field": "rectify_by"})
    if rectify_by <= now:
        raise ValidationFailed(_l("The rectification deadline must be in the future."), code="rectify_by_past",
                               details={"field": "rectify_by"})
    if agency_id not in participating_agency_ids(episode.id):
        raise ValidationFailed(_l("The responsible agency must take part in this episode."),
                               code="agency_not_in_episode", details={"field": "agency_id"})
    if not actor.is_coordinator and agency_id != actor.agency_id:
        raise NotAllowed(_l("Agency staff record findings for their own agency only."), code="finding_other_agency")
    if severity not in SEVERITIES:
        raise ValidationFailed(_l("Choose a severity."), code="severity_invalid", details={"field": "severity"})
    from app.agencies.models import Domain
    if db.session.get(Domain, domain_id) is None:
        raise ValidationFailed(_l("Choose a domain."), code="domain_invalid", details={"field": "domain_id"})
    if replay_offset_seconds is not None and replay_offset_seconds < 0:
        raise ValidationFailed(_l("The replay moment cannot be negative."), code="offset_invalid")
    if len(photo_files) > MAX_PHOTOS:
        raise ValidationFailed(_l("At most %(n)s photos.", n=MAX_PHOTOS), code="too_many_photos")
    citable_basis(legal_basis_id, now)
    enforcement_item_id, discretion_level_id = applied_standard(enforcement_item_id, discretion_level_id)
    for data, name in photo_files:
        photos.validate_photo(data, name)
    finding = Finding(
        episode_id=episode.id, agency_id=agency_id, domain_id=domain_id, legal_basis_id=legal_basis_id,
        party_name=_text(party_name, "party_name", 120, _l("Name the inspected party.")),
        party_address=_text(party_address, "party_address", 200, None, required=False),
        area=_text(area, "area", 80, None, required=False),
        description=_text(description, "description", 5000, _l("Describe the problem.")),
        severity=severity, rectify_by=rectify_by, replay_offset_seconds=replay_offset_seconds,
        state="open", created_by_id=actor.user_id, created_at=now,
        enforcement_item_id=enforcement_item_id, discretion_level_id=discretion_level_id)
    finding.photos = [FindingPhoto(path=photos.store_photo(data, name), created_at=now) for data, name in photo_files]
    for hook in RECORD_HOOKS:
        hook(finding, episode, now=now)
    db.session.add(finding)
    db.session.flush()
    audit(actor, "finding.record", "finding", finding.id, now=now)
    return finding


def published_outcome(finding_id: int) -> FollowUpOutcome | None:
    """The outcome of the latest published report on a finding."""
    return db.session.scalar(
        select(FollowUpOutcome).join(FollowUp)
        .where(FollowUpOutcome.finding_id == finding_id, FollowUp.state == "published")
        .order_by(FollowUp.published_at.desc()).limit(1))


def may_confirm(user_id: int | None, finding: Finding) -> bool:
    """Followers of the finding and the episode's observers (accepted invitations)."""
    if user_id is None:
        return False
    from app.observers.models import Invitation, Observer
    from app.notifications.models import Subscription

    follows = db.session.scalar(select(func.count()).select_from(Subscription).where(
        Subscription.user_id == user_id, Subscription.target_kind == "finding",
        Subscription.target_id == finding.id))
    if follows:
        return True
    observing = db.session.scalar(select(func.count()).select_from(Invitation).join(Observer).where(
        Invitation.episode_id == finding.episode_id, Invitation.state == "accepted", Observer.user_id == user_id))
    return bool(observing)


def confirm(actor: Actor, finding_id: int, *, now: datetime, verdict: str, reason: str = "",
            photo: tuple[bytes, str] | None = None) -> FindingConfirmation:
    """Say whether a published rectification holds; enough "not rectified" reopen the finding."""
    require_login(actor)
    finding = get_finding(finding_id)
    outcome = published_outcome(finding.id)
    if outcome is None or outcome.outcome != "rectified" or finding.state not in CONFIRMABLE_STATES:
        raise Conflict(_l("Confirmations open once a report saying the problem was rectified is published."),
                       code="confirmation_not_open")
    if not may_confirm(actor.user_id, finding):
        raise NotAllowed(_l("Follow this finding (or observe its episode) to confirm or dispute it."),
                         code="confirmation_not_allowed")
    if verdict not in ("confirmed", "not_rectified"):
        raise ValidationFailed(_l("Choose confirmed or not rectified."), code="verdict_invalid")
    reason = _text(reason, "reason", 500, _l("Say what is still wrong."), required=verdict == "not_rectified")
    if photo is not None:
        photos.validate_photo(*photo)
    exists = db.session.scalar(select(FindingConfirmation).where(
        FindingConfirmation.finding_id == finding.id, FindingConfirmation.user_id == actor.user_id))
    if exists is not None:
        raise Conflict(_l("You have already given your word on this finding."), code="confirmation_exists")
    entry = FindingConfirmation(finding_id=finding.id, user_id=actor.user_id, verdict=verdict, reason=reason,
                                photo_path=photos.store_photo(*photo) if photo else None, created_at=now)
    db.session.add(entry)
    db.session.flush()
    _maybe_reopen(finding, now=now)
    return entry


def _maybe_reopen(finding: Finding, *, now: datetime) -> None:
    """Reopen for the coordinator's decision once the threshold of "not rectified" is reached."""
    threshold = int(current_app.config.get("FINDING_REOPEN_THRESHOLD", 3))
    disputed = db.session.scalar(select(func.count()).select_from(FindingConfirmation).where(
        FindingConfirmation.finding_id == finding.id, FindingConfirmation.verdict == "not_rectified"))
    if disputed < threshold or finding.state not in CONFIRMABLE_STATES:
        return
    finding.state = "reopened"
    from app.core.auth import SYSTEM
    audit(SYSTEM, "finding.reopen", "finding", finding.id, now=now, data={"not_rectified": disputed})
    notify(coordinator_ids(), "finding_reopened", str(_l("Finding #%(id)s was reopened by public reports", id=finding.id)),
           now=now, link=f"/findings/{finding.id}", dedupe_key=f"finding_reopened:{finding.id}:{disputed}")


def coordinator_ids() -> list[int]:
    """Users of the coordinator's office."""
    return list(db.session.scalars(select(User.id).where(User.role.in_(("coordinator",)))))


def agency_staff_ids(agency_id: int) -> list[int]:
    """Staff of one agency."""
    return list(db.session.scalars(select(User.id).where(User.role == "agency_staff", User.agency_id == agency_id)))


DECISIONS = ("uphold", "reopen", "close")


def decide(actor: Actor, finding_id: int, *, now: datetime, decision: str, reason: str) -> Finding:
    """The coordinator's decision: uphold a disputed rectification, reopen it, or close a rectified finding."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(code="decision_not_allowed")
    finding = get_finding(finding_id)
    reason = _text(reason, "reason", 500, _l("Give the reason for the decision."))
    if decision == "uphold" and finding.state == "reopened":
        finding.state = "rectified"
    elif decision == "reopen" and finding.state == "reopened":
        finding.state, finding.rectified_at = "open", None
    elif decision == "close" and finding.state in ("rectified", "reopened") and finding.rectified_at:
        finding.state, finding.closed_at = "closed", now
    else:
        raise Conflict(_l("This decision does not apply to the finding in its current state."),
                       code="decision_not_applicable")
    audit(actor, f"finding.{decision}", "finding", finding.id, now=now, reason=reason)
    notify(followers("finding", finding.id) + agency_staff_ids(finding.agency_id), "finding_decided",
           str(_l("The coordinator decided on finding #%(id)s", id=finding.id)), now=now, link=f"/findings/{finding.id}",
           dedupe_key=f"finding_decided:{finding.id}:{decision}:{now.isoformat()}"[:120])
    return finding
