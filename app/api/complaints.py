"""API: conduct complaints (a viewer's report of officer conduct in the stream, the agency's answer)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.core import clock
from app.core.auth import current_actor, require_login
from app.core.db import unit_of_work
from app.core.errors import NotFound
from app.extensions import db
from app.episodes.models import Episode
from app.parties import complaints
from app.parties.models import ConductComplaint

blp = Blueprint("api_complaints", __name__, url_prefix="/api/v1", description="Conduct complaints")
_alt = errors_doc(blp)


class ComplaintSchema(Schema):
    """A complaint; `overdue` is derived from the deadline at request time. The author is never shown."""

    id = fields.Integer()
    episode_id = fields.Integer()
    agency = fields.Function(lambda c: c.agency.slug)
    offset_seconds = fields.Integer()
    body = fields.String()
    state = fields.String()
    answer_due = fields.DateTime()
    overdue = fields.Function(lambda c: c.is_overdue(clock.now()))
    answer_body = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    review_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class ComplaintCreateArgs(Schema):
    """Body of POST /episodes/{id}/complaints; offset_seconds defaults to now while live."""

    agency_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    body = fields.String(required=True, validate=validate.Length(max=complaints.BODY_LIMIT))
    offset_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10**6))


class ComplaintAnswerArgs(Schema):
    """Body of POST /complaints/{id}/answer."""

    body = fields.String(required=True, validate=validate.Length(max=5000))


class ComplaintDecisionArgs(Schema):
    """Body of POST /complaints/{id}/decision."""

    decision = fields.String(required=True, validate=validate.OneOf(("publish", "dismiss")))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ComplaintDueArgs(Schema):
    """Body of POST /complaints/{id}/due."""

    answer_due = fields.AwareDateTime(required=True)


@blp.post("/episodes/<int:episode_id>/complaints")
@blp.arguments(ComplaintCreateArgs)
@blp.response(201, envelope(ComplaintSchema))
@_alt("401", "404", "409", "422", "429")
def create_complaint(args: dict, episode_id: int):
    """Report officer conduct seen in the stream (logged in), pinned to its moment."""
    with unit_of_work():
        complaint = complaints.submit(current_actor(), episode_id, now=clock.now(), **args)
    return ok(complaint)


@blp.get("/episodes/<int:episode_id>/complaints")
@blp.response(200, envelope(ComplaintSchema, many=True))
@_alt("404")
def list_episode_complaints(episode_id: int):
    """Published complaints of an episode with the agencies' answers."""
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.state == "draft":
        raise NotFound(code="episode_not_found")
    return ok(complaints.published_for(episode_id))


@blp.get("/complaints")
@blp.arguments(PageArgs, location="query")
@blp.response(200, envelope(ComplaintSchema, paged=True))
@_alt("401", "422")
def list_complaints(args: dict):
    """Complaints you may see: all (coordinator), your agency's (agency staff), your own (viewers)."""
    actor = current_actor()
    require_login(actor)
    query = complaints.visible(actor).order_by(ConductComplaint.id.desc())
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/complaints/<int:complaint_id>/answer")
@blp.arguments(ComplaintAnswerArgs)
@blp.response(200, envelope(ComplaintSchema))
@_alt("401", "403", "404", "409", "422")
def answer_complaint(args: dict, complaint_id: int):
    """The agency concerned answers."""
    with unit_of_work():
        complaint = complaints.answer(current_actor(), complaint_id, now=clock.now(), body=args["body"])
    return ok(complaint)


@blp.post("/complaints/<int:complaint_id>/decision")
@blp.arguments(ComplaintDecisionArgs)
@blp.response(200, envelope(ComplaintSchema))
@_alt("401", "403", "404", "409", "422")
def decide_complaint(args: dict, complaint_id: int):
    """The coordinator publishes an answered complaint on the episode, or dismisses it with a reason."""
    with unit_of_work():
        complaint = complaints.decide(current_actor(), complaint_id, now=clock.now(),
                                      publish=args["decision"] == "publish", reason=args["reason"])
    return ok(complaint)


@blp.post("/complaints/<int:complaint_id>/due")
@blp.arguments(ComplaintDueArgs)
@blp.response(200, envelope(ComplaintSchema))
@_alt("401", "403", "404", "409", "422")
def set_complaint_due(args: dict, complaint_id: int):
    """The coordinator moves the answer deadline."""
    with unit_of_work():
        complaint = complaints.set_due(current_actor(), complaint_id, now=clock.now(), answer_due=args["answer_due"])
    return ok(complaint)
