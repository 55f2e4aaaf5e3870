"""API: inspected parties, one-time party codes and the parties' statements (docs/parties.md)."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.api.schemas import DomainSchema
from app.core import clock, ratelimit
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import NotFound, RateLimited
from app.extensions import db
from app.parties import codes, queries, services
from app.parties.models import RATING_RANGE

blp = Blueprint("api_parties", __name__, url_prefix="/api/v1", description="Inspected parties and their answers")
_alt = errors_doc(blp)


class PartySchema(Schema):
    """A party record of the register."""

    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String(allow_none=True)
    address = fields.String()
    domain = fields.Nested(DomainSchema, allow_none=True)
    page_url = fields.Function(lambda p: f"/parties/{p.id}")


class PartyInspectionSchema(Schema):
    """One inspection of the party (one per episode) and whether the party confirmed it."""

    id = fields.Integer()
    episode_id = fields.Integer()
    episode_number = fields.Function(lambda i: i.episode.number)
    inspected_at = fields.DateTime()
    party_answered = fields.Function(lambda i: i.party_responded_at is not None)
    took_place = fields.Boolean(allow_none=True)


class PartyStatementSchema(Schema):
    """A party's statement on a finding (published ones for the public; all for the coordinator)."""

    id = fields.Integer()
    finding_id = fields.Integer()
    body = fields.String()
    state = fields.String()
    created_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)


class PartyAlertSchema(Schema):
    """The repeated-inspection rule and where the party stands."""

    alerted = fields.Boolean()
    recent_inspections = fields.Integer()
    max_inspections = fields.Integer()
    window_days = fields.Integer()


class PartyRecordSchema(Schema):
    """A party's public record."""

    party = fields.Nested(PartySchema)
    alert = fields.Nested(PartyAlertSchema)
    inspections = fields.List(fields.Nested(PartyInspectionSchema))
    finding_ids = fields.List(fields.Integer())
    follow_up_ids = fields.List(fields.Integer())
    statements = fields.List(fields.Nested(PartyStatementSchema))


class PartyListArgs(PageArgs):
    """?q= searches names and credit codes."""

    q = fields.String(load_default="", validate=validate.Length(max=60))


class PartyUpdateArgs(Schema):
    """Body of PATCH /parties/{id}: only the fields given change."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    credit_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    address = fields.String(validate=validate.Length(max=200))
    domain_id = fields.Integer(allow_none=True)


class PartyMergeArgs(Schema):
    """Body of POST /parties/{id}/merge."""

    duplicate_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class IssuedCodeSchema(Schema):
    """A new one-time code: shown in this response only (the site stores its hash)."""

    code = fields.String()
    link = fields.String()
    qr_url = fields.String()
    expires_at = fields.DateTime()
    inspection_id = fields.Integer()


class CodeFindingSchema(Schema):
    """A finding the party may answer on."""

    id = fields.Integer()
    description = fields.String()
    agency = fields.Function(lambda f: f.agency.slug)


class CodeInfoSchema(Schema):
    """What a valid code is for."""

    party_name = fields.String()
    episode_number = fields.Integer()
    inspected_at = fields.DateTime()
    expires_at = fields.DateTime()
    findings = fields.List(fields.Nested(CodeFindingSchema))


class StatementInput(Schema):
    """A statement on one finding."""

    finding_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    body = fields.String(required=True, validate=validate.Length(max=codes.STATEMENT_LIMIT))


class PartyAnswerArgs(Schema):
    """Body of POST /party-codes/{code}/answer: ratings are required when the inspection took place."""

    took_place = fields.Boolean(required=True)
    conduct_standard = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(*RATING_RANGE))
    conduct_civil = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(*RATING_RANGE))
    statements = fields.List(fields.Nested(StatementInput), load_default=list, validate=validate.Length(max=50))


class AnsweredSchema(Schema):
    """The recorded answer."""

    inspection_id = fields.Integer()
    took_place = fields.Boolean()
    statements = fields.Integer()


class StatementListArgs(PageArgs):
    """?state= of the review queue."""

    state = fields.String(load_default="pending", validate=validate.OneOf(("pending", "published", "rejected")))


class StatementReviewArgs(Schema):
    """Body of POST /party-statements/{id}/review."""

    decision = fields.String(required=True, validate=validate.OneOf(("publish", "reject")))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


def _limit() -> None:
    if not ratelimit.hit(current_app.config["PARTY_CODE_RATE_IP"], "party_code", request.remote_addr or "-"):
        raise RateLimited(code="party_code_rate_limited")


def _public_party(party_id: int):
    party = services.get_party(party_id)
    party = services.current_record(party)
    record = queries.party_record(party, clock.now())
    if not record.inspections and not current_actor().is_coordinator:
        raise NotFound(code="party_not_found")
    return record


@blp.get("/parties")
@blp.arguments(PartyListArgs, location="query")
@blp.response(200, envelope(PartySchema, paged=True))
@_alt("422")
def list_parties(args: dict):
    """The register: parties with a public inspection, by name (merged duplicates left out)."""
    items, meta = paginate(queries.register(args["q"]), args["page"], args["per_page"])
    return ok(items, meta)


@blp.get("/parties/<int:party_id>")
@blp.response(200, envelope(PartyRecordSchema))
@_alt("404")
def get_party(party_id: int):
    """A party's record: inspections, findings, published follow-ups and statements, the repeat alert."""
    r = _public_party(party_id)
    return ok({"party": r.party, "inspections": r.inspections, "finding_ids": [f.id for f in r.findings],
               "follow_up_ids": [x.id for x in r.follow_ups],
               "statements": [s for items in r.statements.values() for s in items],
               "alert": {"alerted": r.alerted, "recent_inspections": r.recent_inspections,
                         "max_inspections": r.limit.max_inspections, "window_days": r.limit.window.days}})


@blp.patch("/parties/<int:party_id>")
@blp.arguments(PartyUpdateArgs)
@blp.response(200, envelope(PartySchema))
@_alt("401", "403", "404", "409", "422")
def update_party(args: dict, party_id: int):
    """Edit a record (the coordinator); the credit code's check digit is verified."""
    with unit_of_work():
        party = services.update_party(current_actor(), party_id, now=clock.now(), **args)
    return ok(party)


@blp.post("/parties/<int:party_id>/merge")
@blp.arguments(PartyMergeArgs)
@blp.response(200, envelope(PartySchema))
@_alt("401", "403", "404", "409", "422")
def merge_party(args: dict, party_id: int):
    """Merge the duplicate record into this one (the coordinator)."""
    with unit_of_work():
        party = services.merge(current_actor(), party_id, args["duplicate_id"], now=clock.now(),
                               reason=args["reason"])
    return ok(party)


@blp.post("/inspections/<int:inspection_id>/codes")
@blp.response(201, envelope(IssuedCodeSchema))
@_alt("401", "403", "404", "409")
def issue_code(inspection_id: int):
    """Issue a one-time code to the party (the coordinator or an agency of the episode); replaces older codes."""
    with unit_of_work():
        code, plain = codes.issue(current_actor(), inspection_id, now=clock.now())
    return ok({"code": plain, "link": url_for("parties.answer", code=plain, _external=True),
               "qr_url": url_for("parties.qr", code=plain), "expires_at": code.expires_at,
               "inspection_id": inspection_id})


@blp.get("/party-codes/<code>")
@blp.response(200, envelope(CodeInfoSchema))
@_alt("404", "409", "429")
def get_code(code: str):
    """What a code is for, if it can still be used (no account needed; attempts are rate-limited)."""
    _limit()
    record = codes.usable(code, now=clock.now())
    inspection = record.inspection
    return ok({"party_name": inspection.party.name, "episode_number": inspection.episode.number,
               "inspected_at": inspection.inspected_at, "expires_at": record.expires_at,
               "findings": codes.findings_of(inspection)})


@blp.post("/party-codes/<code>/answer")
@blp.arguments(PartyAnswerArgs)
@blp.response(201, envelope(AnsweredSchema))
@_alt("404", "409", "422", "429")
def answer_code(args: dict, code: str):
    """The party's answer (once per code): took place, conduct ratings, statements on findings.

    Authenticated by the code itself: no account or token is needed, and a caller without cookies (an app)
    sends no CSRF header; a browser session sends X-CSRFToken as for every write.
    """
    _limit()
    statements: dict[int, str] = {}
    for item in args["statements"]:
        statements[item["finding_id"]] = item["body"]
    answer = codes.Answer(args["took_place"], args["conduct_standard"], args["conduct_civil"], statements)
    with unit_of_work():
        inspection = codes.redeem(code, answer, now=clock.now())
    return ok({"inspection_id": inspection.id, "took_place": inspection.took_place,
               "statements": sum(1 for b in statements.values() if b.strip())})


@blp.get("/party-statements")
@blp.arguments(StatementListArgs, location="query")
@blp.response(200, envelope(PartyStatementSchema, paged=True))
@_alt("401", "403", "422")
def list_statements(args: dict):
    """Parties' statements by state (the coordinator)."""
    services.require_coordinator(current_actor())
    items, meta = paginate(queries.statements_in_state(args["state"]), args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/party-statements/<int:statement_id>/review")
@blp.arguments(StatementReviewArgs)
@blp.response(200, envelope(PartyStatementSchema))
@_alt("401", "403", "404", "409", "422")
def review_statement(args: dict, statement_id: int):
    """Publish a statement beside its finding, or reject it with a reason (the coordinator)."""
    with unit_of_work():
        statement = services.review_statement(current_actor(), statement_id, publish=args["decision"] == "publish",
                                              now=clock.now(), reason=args["reason"])
    db.session.refresh(statement)
    return ok(statement)
