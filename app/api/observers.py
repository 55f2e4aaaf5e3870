"""API: the observer registry (coordinator), invitations, check-in, observer notes and answers."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.envelope import PageArgs, envelope, errors_doc, ok, paginate
from app.core import clock
from app.core.auth import current_actor, require_login
from app.core.db import unit_of_work
from app.observers import notes, queries, services
from app.observers.models import NOTE_ASPECTS, NOTE_VISIBILITY, OBSERVER_KINDS, Invitation, Observer, ObserverNote

blp = Blueprint("api_observers", __name__, url_prefix="/api/v1", description="Observers, invitations and notes")
_alt = errors_doc(blp)


class ObserverSchema(Schema):
    """A registry entry (coordinator only: it holds the contact)."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(OBSERVER_KINDS)})
    organisation = fields.String()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    contact = fields.String()
    listed = fields.Boolean()
    username = fields.Function(lambda o: o.user.username if o.user else None, allow_none=True)


class ObserverArgs(Schema):
    """Registry fields; `username` links a site account (blank unlinks)."""

    name = fields.String(validate=validate.Length(min=1, max=40))
    kind = fields.String(validate=validate.OneOf(OBSERVER_KINDS))
    organisation = fields.String(validate=validate.Length(max=120))
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    contact = fields.String(validate=validate.Length(max=120))
    listed = fields.Boolean()
    username = fields.String(allow_none=True, validate=validate.Length(max=40))


class ObserverCreateArgs(ObserverArgs):
    """A new registry entry."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(OBSERVER_KINDS))


class RotationSchema(Schema):
    """One observer's rotation record."""

    observer_id = fields.Function(lambda r: r.observer.id)
    name = fields.Function(lambda r: r.observer.name)
    kind = fields.Function(lambda r: r.observer.kind)
    invited = fields.Integer()
    attended = fields.Integer()
    last_invited = fields.DateTime(allow_none=True)
    last_attended = fields.DateTime(allow_none=True)
    invited_this_year = fields.Boolean()
    due = fields.Boolean(metadata={"description": "Supervisors not invited in the last 3 episodes nor 60 days"})


class InvitationSchema(Schema):
    """An invitation; `token` (the link's secret) only for its observer and the coordinator."""

    id = fields.Integer()
    episode_id = fields.Integer()
    observer_id = fields.Integer()
    observer_name = fields.Function(lambda i: i.observer.name)
    observer_kind = fields.Function(lambda i: i.observer.kind)
    state = fields.String()
    token = fields.String()
    link = fields.Function(lambda i: f"/invitations/{i.token}")
    expires_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class InviteArgs(Schema):
    """Invite an observer; `expires_at` defaults to the episode start."""

    observer_id = fields.Integer(required=True)
    expires_at = fields.AwareDateTime(default_timezone=None, allow_none=True)


class CheckInArgs(Schema):
    """Check in an observer of the episode."""

    observer_id = fields.Integer(required=True)


class InvitationListArgs(PageArgs):
    """Filter invitations."""

    episode_id = fields.Integer()
    state = fields.String(validate=validate.OneOf(("pending", "accepted", "declined", "revoked")))


class NoteSchema(Schema):
    """An observer note and the agency's answer."""

    id = fields.Integer()
    episode_id = fields.Integer()
    agency_id = fields.Integer()
    observer_name = fields.Function(lambda n: n.observer.name)
    observer_kind = fields.Function(lambda n: n.observer.kind)
    aspect = fields.String()
    body = fields.String()
    visibility = fields.String()
    answer_due = fields.DateTime(allow_none=True)
    answer = fields.String(attribute="answer_body", allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda n: notes.is_overdue(n, clock.now()))
    created_at = fields.DateTime()


class NoteArgs(Schema):
    """A new observer note."""

    agency_id = fields.Integer(required=True)
    aspect = fields.String(required=True, validate=validate.OneOf(NOTE_ASPECTS))
    body = fields.String(required=True)
    visibility = fields.String(load_default="public", validate=validate.OneOf(NOTE_VISIBILITY))


class NoteListArgs(PageArgs):
    """Filter notes."""

    episode_id = fields.Integer()
    agency_id = fields.Integer()
    overdue = fields.Boolean()
    unanswered = fields.Boolean()


class AnswerArgs(Schema):
    """The agency's answer."""

    body = fields.String(required=True)


class DueArgs(Schema):
    """The answer deadline."""

    answer_due = fields.AwareDateTime(required=True)


# ---------------------------------------------------------------- registry


@blp.get("/observers")
@blp.arguments(PageArgs, location="query")
@blp.response(200, envelope(ObserverSchema, paged=True))
@_alt("401", "403", "422")
def list_observers(args: dict):
    """The registry (coordinator)."""
    services.require_coordinator(current_actor())
    items, meta = paginate(select(Observer).order_by(Observer.id), args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/observers")
@blp.arguments(ObserverCreateArgs)
@blp.response(201, envelope(ObserverSchema))
@_alt("401", "403", "409", "422")
def create_observer(args: dict):
    """Add an observer (coordinator)."""
    actor = current_actor()
    with unit_of_work():
        observer = services.create_observer(actor, now=clock.now(), **args)
    return ok(observer)


@blp.get("/observers/<int:observer_id>")
@blp.response(200, envelope(ObserverSchema))
@_alt("401", "403", "404")
def get_observer(observer_id: int):
    """One registry entry (coordinator)."""
    services.require_coordinator(current_actor())
    return ok(services.get_observer(observer_id))


@blp.patch("/observers/<int:observer_id>")
@blp.arguments(ObserverArgs)
@blp.response(200, envelope(ObserverSchema))
@_alt("401", "403", "404", "409", "422")
def update_observer(args: dict, observer_id: int):
    """Change the given fields (coordinator)."""
    actor = current_actor()
    username = args.pop("username", ...)
    with unit_of_work():
        observer = services.update_observer(actor, observer_id, now=clock.now(), username=username, **args)
    return ok(observer)


@blp.get("/observers/rotation")
@blp.response(200, envelope(RotationSchema, many=True))
@_alt("401", "403")
def rotation():
    """Times invited and attended, not invited this year, due supervisors first (coordinator)."""
    services.require_coordinator(current_actor())
    return ok(queries.rotation(clock.now()))


# ---------------------------------------------------------------- invitations


@blp.get("/invitations")
@blp.arguments(InvitationListArgs, location="query")
@blp.response(200, envelope(InvitationSchema, paged=True))
@_alt("401", "422")
def list_invitations(args: dict):
    """Your own invitations (an observer); every invitation (coordinator)."""
    actor = current_actor()
    require_login(actor)
    query = select(Invitation).order_by(Invitation.id.desc())
    if not actor.is_coordinator:
        query = query.join(Observer).where(Observer.user_id == actor.user_id)
    if args.get("episode_id"):
        query = query.where(Invitation.episode_id == args["episode_id"])
    if args.get("state"):
        query = query.where(Invitation.state == args["state"])
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/episodes/<int:episode_id>/invitations")
@blp.arguments(InviteArgs)
@blp.response(201, envelope(InvitationSchema))
@_alt("401", "403", "404", "409", "422")
def invite(args: dict, episode_id: int):
    """Invite an observer to a scheduled or live episode (coordinator)."""
    actor = current_actor()
    with unit_of_work():
        invitation = services.invite(actor, episode_id, args["observer_id"], now=clock.now(),
                                     expires_at=args.get("expires_at"))
    return ok(invitation)


def _respond(invitation_id: int, accept: bool):
    actor = current_actor()
    with unit_of_work():
        invitation = services.respond(actor, invitation_id, accept, now=clock.now())
    return ok(invitation)


@blp.post("/invitations/<int:invitation_id>/accept")
@blp.response(200, envelope(InvitationSchema))
@_alt("401", "403", "404", "409")
def accept_invitation(invitation_id: int):
    """Accept your invitation (within capacity, before it expires)."""
    return _respond(invitation_id, True)


@blp.post("/invitations/<int:invitation_id>/decline")
@blp.response(200, envelope(InvitationSchema))
@_alt("401", "403", "404", "409")
def decline_invitation(invitation_id: int):
    """Decline your invitation."""
    return _respond(invitation_id, False)


@blp.post("/invitations/<int:invitation_id>/revoke")
@blp.response(200, envelope(InvitationSchema))
@_alt("401", "403", "404", "409")
def revoke_invitation(invitation_id: int):
    """Revoke an invitation (coordinator)."""
    actor = current_actor()
    with unit_of_work():
        invitation = services.revoke(actor, invitation_id, now=clock.now())
    return ok(invitation)


@blp.post("/episodes/<int:episode_id>/check-ins")
@blp.arguments(CheckInArgs)
@blp.response(200, envelope(InvitationSchema))
@_alt("401", "403", "404", "409", "422")
def check_in(args: dict, episode_id: int):
    """Check in an accepted observer present on site (coordinator)."""
    actor = current_actor()
    with unit_of_work():
        invitation = services.check_in(actor, episode_id, args["observer_id"], now=clock.now())
    return ok(invitation)


# ---------------------------------------------------------------- notes


@blp.get("/observer-notes")
@blp.arguments(NoteListArgs, location="query")
@blp.response(200, envelope(NoteSchema, paged=True))
@_alt("422")
def list_notes(args: dict):
    """Notes you may read: public ones, and coordinator-only ones you are party to; newest first."""
    now = clock.now()
    query = queries.readable_notes(current_actor()).order_by(ObserverNote.id.desc())
    for key in ("episode_id", "agency_id"):
        if args.get(key):
            query = query.where(getattr(ObserverNote, key) == args[key])
    if args.get("overdue"):
        query = query.where(queries.overdue_clause(now))
    if args.get("unanswered"):
        query = query.where(ObserverNote.answered_at.is_(None))
    items, meta = paginate(query, args["page"], args["per_page"])
    return ok(items, meta)


@blp.post("/episodes/<int:episode_id>/observer-notes")
@blp.arguments(NoteArgs)
@blp.response(201, envelope(NoteSchema))
@_alt("401", "403", "404", "409", "422")
def post_note(args: dict, episode_id: int):
    """Write a note (observers invited to and accepted for this episode; during or after the live)."""
    actor = current_actor()
    with unit_of_work():
        note = notes.post_note(actor, episode_id, now=clock.now(), **args)
    return ok(note)


@blp.post("/observer-notes/<int:note_id>/answer")
@blp.arguments(AnswerArgs)
@blp.response(200, envelope(NoteSchema))
@_alt("401", "403", "404", "409", "422")
def answer_note(args: dict, note_id: int):
    """Answer a note addressed to your agency (agency staff)."""
    actor = current_actor()
    with unit_of_work():
        note = notes.answer(actor, note_id, args["body"], now=clock.now())
    return ok(note)


@blp.patch("/observer-notes/<int:note_id>")
@blp.arguments(DueArgs)
@blp.response(200, envelope(NoteSchema))
@_alt("401", "403", "404", "409", "422")
def set_note_due(args: dict, note_id: int):
    """Set the answer deadline (coordinator)."""
    actor = current_actor()
    with unit_of_work():
        note = notes.set_due(actor, note_id, args["answer_due"], now=clock.now())
    return ok(note)
