"""Follow-up reports (回头看): written by the responsible agency, reviewed by the coordinator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.auth import Actor, require_login
from app.core.clock import display_zone
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.extensions import db
from app.findings import photos
from app.findings.models import (OUTCOMES, Finding, FindingConfirmation, FindingPhoto, FollowUp, FollowUpOutcome,
                                 FollowUpPhoto, FollowUpRevision)
from app.findings.services import MAX_PHOTOS, _text, agency_staff_ids, coordinator_ids, get_finding
from app.notifications.services import audit, notify

MAX_BODY = 20_000
#: Findings a report may cover: those still awaiting rectification.
PENDING_STATES = ("open", "partly_rectified", "reopened")
#: States in which the agency may still change the report.
EDITABLE_STATES = ("draft", "returned")


@dataclass(frozen=True)
class OutcomeInput:
    """One finding's outcome as submitted."""

    finding_id: int
    outcome: str
    further_action: str = ""


def may_see(actor: Actor, report: FollowUp) -> bool:
    """Published reports are public; others only for the coordinator and the report's agency."""
    return report.state == "published" or actor.is_coordinator or actor.is_agency_member(report.agency_id)


def may_see_photo(actor: Actor, stored: str) -> bool:
    """Who may see an uploaded photo: whoever may see the finding, report or confirmation it belongs to.

    A photo of a finding on a draft episode raises NotFound, like the finding itself.
    """
    owner = db.session.scalar(select(FindingPhoto).where(FindingPhoto.path == stored))
    if owner is not None:
        return get_finding(owner.finding_id) is not None
    if (fp := db.session.scalar(select(FollowUpPhoto).where(FollowUpPhoto.path == stored))) is not None:
        return may_see(actor, db.session.get(FollowUp, fp.follow_up_id))
    return db.session.scalar(select(FindingConfirmation.id).where(FindingConfirmation.photo_path == stored)) \
        is not None


def get_report(actor: Actor, report_id: int) -> FollowUp:
    """A report the actor may see, or NotFound (unpublished ones do not leak)."""
    report = db.session.get(FollowUp, report_id)
    if report is None or not may_see(actor, report):
        raise NotFound(_l("This follow-up report was not found."), code="follow_up_not_found")
    return report


def _check_outcomes(actor: Actor, outcomes: list[OutcomeInput]) -> list[Finding]:
    """Every finding exists, is the actor's agency's, and all are of one episode; outcomes are complete."""
    if not outcomes:
        raise ValidationFailed(_l("Give the outcome for at least one finding."), code="outcomes_required")
    if len({o.finding_id for o in outcomes}) != len(outcomes):
        raise ValidationFailed(_l("Each finding may appear once."), code="outcomes_duplicate")
    findings = []
    for item in outcomes:
        finding = db.session.get(Finding, item.finding_id)
        if finding is None:
            raise ValidationFailed(_l("Finding #%(id)s does not exist.", id=item.finding_id), code="finding_not_found")
        if finding.agency_id != actor.agency_id:
            raise NotAllowed(_l("Finding #%(id)s is another agency's: only the responsible agency reports on it.",
                                id=finding.id), code="follow_up_other_agency")
        if finding.state not in PENDING_STATES:
            raise Conflict(_l("Finding #%(id)s is not awaiting rectification (it is rectified or closed).",
                              id=finding.id), code="finding_not_pending")
        if item.outcome not in OUTCOMES:
            raise ValidationFailed(_l("Choose an outcome for finding #%(id)s.", id=finding.id), code="outcome_invalid")
        if item.outcome != "rectified" and not item.further_action.strip():
            raise ValidationFailed(_l("Finding #%(id)s is not fully rectified: say what further action was taken "
                                      "(e.g. the penalty decision number).", id=finding.id),
                                   code="further_action_required")
        if len(item.further_action) > 300:
            raise ValidationFailed(_l("The further action is too long (at most 300 characters)."),
                                   code="further_action_too_long")
        findings.append(finding)
    if len({f.episode_id for f in findings}) != 1:
        raise ValidationFailed(_l("A report covers findings of one episode."), code="outcomes_mixed_episodes")
    return findings


def _check_times(reinspected_on: date | None, publish_at: datetime | None, publish_now: bool,
                 now: datetime) -> None:
    if reinspected_on is None:
        raise ValidationFailed(_l("Give the date of the reinspection."), code="reinspected_on_required")
    if reinspected_on > now.astimezone(display_zone()).date():  # dates are typed in the display zone
        raise ValidationFailed(_l("The reinspection date cannot be in the future."), code="reinspected_on_future")
    if publish_now:
        return
    if publish_at is None:
        raise ValidationFailed(_l("Choose a publish time, or publish as soon as it is approved."),
                               code="publish_at_required")
    if publish_at <= now:
        raise ValidationFailed(_l("The publish time is in the past. Choose a later time, or choose "
                                  "\"publish now\" to publish as soon as it is approved."),
                               code="publish_at_in_past")


def _photos(files: list[tuple[bytes, str]], existing: int = 0) -> None:
    if existing + len(files) > MAX_PHOTOS:
        raise ValidationFailed(_l("At most %(n)s photos.", n=MAX_PHOTOS), code="too_many_photos")
    for data, name in files:
        photos.validate_photo(data, name)


def create_report(actor: Actor, *, now: datetime, reinspected_on: date | None, body: str,
                  outcomes: list[OutcomeInput], publish_at: datetime | None = None, publish_now: bool = False,
                  submit: bool = True, photo_files: list[tuple[bytes, str]] = ()) -> FollowUp:
    """A new report by the responsible agency: a draft, or submitted for review."""
    require_login(actor)
    if actor.role != "agency_staff":
        raise NotAllowed(_l("Follow-up reports are written by the responsible agency."), code="follow_up_not_allowed")
    findings = _check_outcomes(actor, outcomes)
    _check_times(reinspected_on, publish_at, publish_now, now)
    body = _text(body, "body", MAX_BODY, _l("Write the report."))
    _photos(photo_files)
    report = FollowUp(episode_id=findings[0].episode_id, agency_id=actor.agency_id, reinspected_on=reinspected_on,
                      state="draft", publish_at=None if publish_now else publish_at, created_at=now)
    report.revisions = [FollowUpRevision(number=1, body_md=body, created_by_id=actor.user_id, created_at=now)]
    report.outcomes = [FollowUpOutcome(finding_id=o.finding_id, outcome=o.outcome,
                                       further_action=o.further_action.strip()) for o in outcomes]
    report.photos = [FollowUpPhoto(path=photos.store_photo(d, n), created_at=now) for d, n in photo_files]
    db.session.add(report)
    db.session.flush()
    audit(actor, "follow_up.create", "follow_up", report.id, now=now)
    if submit:
        _submit(actor, report, now)
    return report


def update_report(actor: Actor, report_id: int, *, now: datetime, reinspected_on: date | None, body: str,
                  outcomes: list[OutcomeInput], publish_at: datetime | None = None, publish_now: bool = False,
                  submit: bool = True, photo_files: list[tuple[bytes, str]] = ()) -> FollowUp:
    """Change a draft or returned report; a published one is never edited in place."""
    require_login(actor)
    report = get_report(actor, report_id)
    if not actor.is_agency_member(report.agency_id):
        raise NotAllowed(_l("Only the responsible agency edits its report."), code="follow_up_not_allowed")
    if report.state == "published":
        raise Conflict(_l("A published report is never changed in place: add a correction with its reason."),
                       code="follow_up_published")
    if report.state not in EDITABLE_STATES:
        raise Conflict(_l("The report is with the coordinator and cannot be changed now."),
                       code="follow_up_not_editable")
    findings = _check_outcomes(actor, outcomes)
    if findings[0].episode_id != report.episode_id:
        raise ValidationFailed(_l("A report covers findings of one episode."), code="outcomes_mixed_episodes")
    _check_times(reinspected_on, publish_at, publish_now, now)
    body = _text(body, "body", MAX_BODY, _l("Write the report."))
    _photos(photo_files, len(report.photos))
    report.reinspected_on, report.publish_at = reinspected_on, None if publish_now else publish_at
    report.revisions[0].body_md = body  # before publication there is one revision
    report.outcomes = [FollowUpOutcome(finding_id=o.finding_id, outcome=o.outcome,
                                       further_action=o.further_action.strip()) for o in outcomes]
    db.session.flush()
    report.photos.extend(FollowUpPhoto(path=photos.store_photo(d, n), created_at=now) for d, n in photo_files)
    audit(actor, "follow_up.update", "follow_up", report.id, now=now)
    if submit:
        _submit(actor, report, now)
    return report


def _submit(actor: Actor, report: FollowUp, now: datetime) -> None:
    report.state, report.submitted_at, report.submitted_by_id = "submitted", now, actor.user_id
    audit(actor, "follow_up.submit", "follow_up", report.id, now=now)
    notify(coordinator_ids(), "follow_up_submitted",
           str(_l("A follow-up report awaits your review (report #%(id)s)", id=report.id)), now=now,
           link=f"/follow-ups/{report.id}", dedupe_key=f"follow_up_submitted:{report.id}:{now.isoformat()}"[:120])


def review(actor: Actor, report_id: int, *, now: datetime, decision: str, reason: str = "") -> FollowUp:
    """The coordinator approves a submitted report (publish time kept, or now) or returns it with a reason."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(_l("Only the coordinator reviews follow-up reports."), code="review_not_allowed")
    report = get_report(actor, report_id)
    if report.state != "submitted":
        raise Conflict(_l("Only a submitted report can be reviewed."), code="follow_up_not_submitted")
    report.reviewed_at, report.reviewed_by_id = now, actor.user_id
    if decision == "approve":
        report.state = "approved"
        if report.publish_at is None:  # "publish now" was chosen
            report.publish_at = now
        audit(actor, "follow_up.approve", "follow_up", report.id, now=now,
              data={"publish_at": report.publish_at.isoformat()})
        db.session.flush()
        if report.publish_at <= now:
            from app.findings.publishing import publish_due
            publish_due(now, report_ids=[report.id])
    elif decision == "return":
        reason = _text(reason, "reason", 500, _l("Say why the report is sent back."))
        report.state, report.review_reason = "returned", reason
        audit(actor, "follow_up.return", "follow_up", report.id, now=now, reason=reason)
        notify(agency_staff_ids(report.agency_id), "follow_up_returned",
               str(_l("Your follow-up report #%(id)s was sent back", id=report.id)), body=reason, now=now,
               link=f"/follow-ups/{report.id}", dedupe_key=f"follow_up_returned:{report.id}:{now.isoformat()}"[:120])
    else:
        raise ValidationFailed(_l("Approve or return the report."), code="decision_invalid")
    return report


def correct(actor: Actor, report_id: int, *, now: datetime, body: str, reason: str) -> FollowUpRevision:
    """Correct a published report: a new revision with its reason; the history stays visible."""
    require_login(actor)
    report = get_report(actor, report_id)
    if not (actor.is_coordinator or actor.is_agency_member(report.agency_id)):
        raise NotAllowed(_l("Only the responsible agency or the coordinator corrects a report."),
                         code="correction_not_allowed")
    if report.state != "published":
        raise Conflict(_l("Only a published report takes corrections; edit the draft instead."),
                       code="follow_up_not_published")
    body = _text(body, "body", MAX_BODY, _l("Write the corrected report."))
    reason = _text(reason, "reason", 500, _l("A correction needs a reason."))
    number = (db.session.scalar(select(func.max(FollowUpRevision.number))
                                .where(FollowUpRevision.follow_up_id == report.id)) or 0) + 1
    revision = FollowUpRevision(follow_up_id=report.id, number=number, body_md=body, reason=reason,
                                created_by_id=actor.user_id, created_at=now)
    db.session.add(revision)
    db.session.flush()
    db.session.refresh(report, ["revisions"])
    audit(actor, "follow_up.correct", "follow_up", report.id, now=now, reason=reason, data={"revision": number})
    return revision
