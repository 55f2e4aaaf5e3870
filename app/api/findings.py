"""API: findings, follow-up reports, their revisions and the follow-up board (回头看)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.api.schemas import AgencyBriefSchema, DomainSchema
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.findings import markdown, queries, reports, services, stats
from app.findings.models import OUTCOMES, SEVERITIES, FollowUp

blp = Blueprint("api_findings", __name__, url_prefix="/api/v1", description="Findings and follow-up reports")
_alt = errors_doc(blp)


class FindingSchema(Schema):
    """A finding as the public sees it; `overdue` is derived from the deadline at request time."""

    id = fields.Integer()
    episode_id = fields.Integer()
    party_name = fields.String()
    party_id = fields.Integer(allow_none=True, metadata={"description": "the party record, /api/v1/parties/{id}"})
    party_address = fields.String()
    area = fields.String()
    description = fields.String()
    domain = fields.Nested(DomainSchema)
    agency = fields.Nested(AgencyBriefSchema)
    legal_basis = fields.Function(lambda f: f.legal_basis.citation if f.legal_basis else None, allow_none=True)
    enforcement_item = fields.Function(lambda f: {"id": f.enforcement_item.id, "code": f.enforcement_item.code,
                                                  "name": f.enforcement_item.name} if f.enforcement_item else None,
                                       allow_none=True)
    circumstance = fields.Function(lambda f: {"circumstance": f.discretion_level.circumstance,
                                              "penalty": f.discretion_level.penalty} if f.discretion_level else None,
                                   allow_none=True)
    severity = fields.String()
    state = fields.String()
    overdue = fields.Function(lambda f: f.is_overdue(clock.now()))
    rectify_by = fields.DateTime()
    rectified_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    replay_offset_seconds = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    photo_urls = fields.Function(lambda f: [f"/uploads/{p.path}" for p in f.photos])
    page_url = fields.Function(lambda f: f"/findings/{f.id}")


class FindingListArgs(PageArgs):
    """Filters of GET /findings (as on the board)."""

    episode = fields.Integer()
    agency = fields.String(validate=validate.Length(max=60))
    domain = fields.String(validate=validate.Length(max=40))
    state = fields.String(validate=validate.OneOf(queries.BOARD_STATES))


class FindingCreateArgs(Schema):
    """Body of POST /findings (photos are added on the page)."""

    episode_id = fields.Integer(required=True)
    party_name = fields.String(required=True, validate=validate.Length(max=120))
    party_address = fields.String(load_default="", validate=validate.Length(max=200))
    area = fields.String(load_default="", validate=validate.Length(max=80))
    description = fields.String(required=True, validate=validate.Length(max=5000))
    domain_id = fields.Integer(required=True)
    agency_id = fields.Integer(required=True)
    legal_basis_id = fields.Integer(load_default=None, allow_none=True)
    enforcement_item_id = fields.Integer(load_default=None, allow_none=True)
    discretion_level_id = fields.Integer(load_default=None, allow_none=True,
                                         metadata={"description": "a circumstance of the item's standard"})
    severity = fields.String(load_default="moderate", validate=validate.OneOf(SEVERITIES))
    rectify_by = fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "required"})
    replay_offset_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class FollowUpOutcomeSchema(Schema):
    """A report's outcome for one finding."""

    finding_id = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    further_action = fields.String(load_default="", validate=validate.Length(max=300))


class FollowUpRevisionSchema(Schema):
    """One version of a report's text; `html` is rendered and sanitized."""

    number = fields.Integer()
    body_md = fields.String()
    html = fields.Function(lambda r: str(markdown.render(r.body_md)))
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class FollowUpSchema(Schema):
    """A follow-up report (unpublished ones only for the coordinator and the agency)."""

    id = fields.Integer()
    episode_id = fields.Integer()
    agency = fields.Nested(AgencyBriefSchema)
    state = fields.String()
    reinspected_on = fields.Date()
    publish_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    review_reason = fields.String(allow_none=True)
    outcomes = fields.List(fields.Nested(FollowUpOutcomeSchema))
    current = fields.Nested(FollowUpRevisionSchema, allow_none=True)
    revision_count = fields.Function(lambda r: len(r.revisions))
    photo_urls = fields.Function(lambda r: [f"/uploads/{p.path}" for p in r.photos])
    page_url = fields.Function(lambda r: f"/follow-ups/{r.id}")


class FollowUpWriteArgs(Schema):
    """Body of POST /follow-ups and PATCH /follow-ups/{id}."""

    reinspected_on = fields.Date(required=True)
    body = fields.String(required=True, validate=validate.Length(max=reports.MAX_BODY))
    outcomes = fields.List(fields.Nested(FollowUpOutcomeSchema), required=True)
    publish_at = fields.AwareDateTime(load_default=None, allow_none=True)
    publish_now = fields.Boolean(load_default=False, metadata={"description": "publish as soon as approved"})
    submit = fields.Boolean(load_default=True, metadata={"description": "false keeps a draft"})


class FollowUpReviewArgs(Schema):
    """Body of POST /follow-ups/{id}/review."""

    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class FollowUpCorrectionArgs(Schema):
    """Body of POST /follow-ups/{id}/revisions."""

    body = fields.String(required=True, validate=validate.Length(max=reports.MAX_BODY))
    reason = fields.String(required=True, validate=validate.Length(max=500))


class FindingConfirmationArgs(Schema):
    """Body of POST /findings/{id}/confirmations."""

    verdict = fields.String(required=True, validate=validate.OneOf(("confirmed", "not_rectified")))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class FindingConfirmationSchema(Schema):
    """A public confirmation."""

    id = fields.Integer()
    finding_id = fields.Integer()
    verdict = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()


class RectificationSummarySchema(Schema):
    """Counts and rates over due findings (n = due)."""

    key = fields.Raw(allow_none=True)
    total = fields.Integer()
    due = fields.Integer()
    rectified = fields.Integer()
    on_time = fields.Integer()
    rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    median_days = fields.Float(allow_none=True)


class FollowUpBoardSchema(Schema):
    """The board's figures: overall, per episode, per agency."""

    overall = fields.Nested(RectificationSummarySchema)
    by_episode = fields.List(fields.Nested(RectificationSummarySchema))
    by_agency = fields.List(fields.Nested(RectificationSummarySchema))


@blp.get("/findings")
@blp.arguments(FindingListArgs, location="query")
@blp.response(200, envelope(FindingSchema, paged=True))
@_alt("422")
def list_findings(args: dict):
    """Public findings, filtered like the board (state may be `overdue`)."""
    query = queries.board(clock.now(), episode_id=args.get("episode"), agency=args.get("agency"),
                          domain=args.get("domain"), state=args.get("state"))
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.get("/findings/<int:finding_id>")
@blp.response(200, envelope(FindingSchema))
@_alt("404")
def get_finding(finding_id: int):
    """One finding."""
    return ok(services.get_finding(finding_id))


@blp.post("/findings")
@blp.arguments(FindingCreateArgs)
@blp.response(201, envelope(FindingSchema))
@_alt("401", "403", "404", "409", "422")
def create_finding(args: dict):
    """Record a finding (the coordinator, or staff of an agency taking part in the episode)."""
    episode_id = args.pop("episode_id")
    with unit_of_work():
        finding = services.record_finding(current_actor(), episode_id, now=clock.now(), **args)
    return ok(finding)


@blp.post("/findings/<int:finding_id>/confirmations")
@blp.arguments(FindingConfirmationArgs)
@blp.response(201, envelope(FindingConfirmationSchema))
@_alt("401", "403", "404", "409", "422")
def confirm_finding(args: dict, finding_id: int):
    """Confirm or dispute a published rectification (followers of the finding, the episode's observers)."""
    with unit_of_work():
        entry = services.confirm(current_actor(), finding_id, now=clock.now(), **args)
    return ok(entry)


@blp.get("/follow-ups")
@blp.arguments(PageArgs, location="query")
@blp.response(200, envelope(FollowUpSchema, paged=True))
@_alt("422")
def list_follow_ups(args: dict):
    """Reports the caller may see, newest first (the public: published ones)."""
    query = queries.visible_reports(current_actor()).order_by(FollowUp.published_at.desc(), FollowUp.id.desc())
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.get("/follow-ups/<int:report_id>")
@blp.response(200, envelope(FollowUpSchema))
@_alt("404")
def get_follow_up(report_id: int):
    """One report."""
    return ok(reports.get_report(current_actor(), report_id))


def _outcomes(args: dict) -> list[reports.OutcomeInput]:
    return [reports.OutcomeInput(o["finding_id"], o["outcome"], o["further_action"]) for o in args.pop("outcomes")]


@blp.post("/follow-ups")
@blp.arguments(FollowUpWriteArgs)
@blp.response(201, envelope(FollowUpSchema))
@_alt("401", "403", "409", "422")
def create_follow_up(args: dict):
    """Write a report (the responsible agency); a publish time in the past is refused: use publish_now."""
    outcomes = _outcomes(args)
    with unit_of_work():
        report = reports.create_report(current_actor(), now=clock.now(), outcomes=outcomes, **args)
    return ok(report)


@blp.patch("/follow-ups/<int:report_id>")
@blp.arguments(FollowUpWriteArgs)
@blp.response(200, envelope(FollowUpSchema))
@_alt("401", "403", "404", "409", "422")
def update_follow_up(args: dict, report_id: int):
    """Change a draft or returned report; a published one answers 409 follow_up_published."""
    outcomes = _outcomes(args)
    with unit_of_work():
        report = reports.update_report(current_actor(), report_id, now=clock.now(), outcomes=outcomes, **args)
    return ok(report)


@blp.post("/follow-ups/<int:report_id>/review")
@blp.arguments(FollowUpReviewArgs)
@blp.response(200, envelope(FollowUpSchema))
@_alt("401", "403", "404", "409", "422")
def review_follow_up(args: dict, report_id: int):
    """Approve (publish at its time, or now) or return with a reason (the coordinator)."""
    with unit_of_work():
        report = reports.review(current_actor(), report_id, now=clock.now(), **args)
    return ok(report)


@blp.get("/follow-ups/<int:report_id>/revisions")
@blp.response(200, envelope(FollowUpRevisionSchema, many=True))
@_alt("404")
def list_revisions(report_id: int):
    """The report's revisions, oldest first (corrections carry their reason)."""
    return ok(reports.get_report(current_actor(), report_id).revisions)


@blp.post("/follow-ups/<int:report_id>/revisions")
@blp.arguments(FollowUpCorrectionArgs)
@blp.response(201, envelope(FollowUpRevisionSchema))
@_alt("401", "403", "404", "409", "422")
def correct_follow_up(args: dict, report_id: int):
    """Correct a published report: a new revision with its reason."""
    with unit_of_work():
        revision = reports.correct(current_actor(), report_id, now=clock.now(), **args)
    return ok(revision)


def _keyed(groups: dict) -> list[dict]:
    return [{"key": k, **vars(s)} for k, s in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0]))]


@blp.get("/follow-up/board")
@blp.response(200, envelope(FollowUpBoardSchema))
def board():
    """Rectification rate, on-time rate and median days to rectify: overall, per episode, per agency."""
    now, rows = clock.now(), queries.all_rows()
    return ok({"overall": {"key": None, **vars(stats.summarize(rows, now))},
               "by_episode": _keyed(stats.summarize_by(rows, lambda r: r.episode_id, now)),
               "by_agency": _keyed(stats.summarize_by(rows, lambda r: r.agency_id, now))})
