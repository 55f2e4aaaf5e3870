"""The invitation link (/invitations/<token>), its QR code, binding, answering, check-in by QR; my page."""
from __future__ import annotations

import io

import qrcode
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.extensions import db
from app.observers import notes, queries, services
from app.observers.blueprint import bp
from app.observers.forms import ButtonForm, RespondForm
from app.observers.models import Invitation


def _page(invitation: Invitation, error: str | None = None, status: int = 200):
    """The invitation page as the current visitor sees it."""
    actor = current_actor()
    now = clock.now()
    observer = invitation.observer
    return render_template(
        "observers/invitation.html", invitation=invitation, episode=invitation.episode, observer=observer,
        error=error, button=ButtonForm(), respond=RespondForm(), now=now,
        link=url_for("observers.invitation", token=invitation.token, _external=True),
        is_mine=actor.user_id is not None and observer.user_id == actor.user_id,
        may_bind=actor.user_id is not None and observer.user_id is None,
        is_coordinator=actor.is_coordinator,
        usable=invitation.state != "revoked" and now < invitation.expires_at), status


@bp.route("/invitations/<token>")
def invitation(token: str):
    """The invitation link: details, QR code, and what the visitor may do with it."""
    return _page(services.invitation_by_token(token))


@bp.route("/invitations/<token>/qr.png")
def qr(token: str):
    """The QR code of the invitation link, as a PNG."""
    invitation = services.invitation_by_token(token)
    image = qrcode.make(url_for("observers.invitation", token=invitation.token, _external=True),
                        box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    response = send_file(buffer, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _act(token: str, action, message: str):
    """Run a button's service on the invitation; the page again with the reason when refused."""
    invitation = services.invitation_by_token(token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            action(current_actor(), invitation)
    except DomainError as error:
        db.session.expire_all()
        return _page(invitation, error=str(error.message), status=error.status)
    flash(message, "success")
    return redirect(url_for("observers.invitation", token=token))


@bp.post("/invitations/<token>/bind")
@login_required
def bind(token: str):
    """Link the invitation to the logged-in account."""
    return _act(token, lambda actor, inv: services.bind(actor, inv.token, now=clock.now()),
                _("The invitation is now linked to your account."))


@bp.post("/invitations/<token>/respond")
@login_required
def respond(token: str):
    """Accept or decline."""
    form = RespondForm()
    invitation = services.invitation_by_token(token)
    if not form.validate_on_submit() or form.action.data not in ("accept", "decline"):
        return _page(invitation, error=_("Choose to accept or decline."), status=422)
    accept = form.action.data == "accept"
    return _act(token, lambda actor, inv: services.respond(actor, inv.id, accept, now=clock.now()),
                _("Thank you: you accepted.") if accept else _("You declined the invitation."))


@bp.post("/invitations/<token>/check-in")
@login_required
def check_in_token(token: str):
    """The coordinator scanned the QR code on site and checks the observer in."""
    return _act(token, lambda actor, inv: services.check_in(actor, inv.episode_id, inv.observer_id,
                                                            now=clock.now()),
                _("Checked in."))


@bp.route("/me/observer")
@login_required
def me():
    """My observer page: invitations, episodes attended, notes and answers."""
    actor = current_actor()
    observer = services.observer_of_user(actor.user_id)
    if observer is None:
        return render_template("observers/me.html", observer=None)
    invitations = queries.my_invitations(observer.id)
    my_notes = queries.notes_of_observer(observer.id)
    now = clock.now()
    return render_template(
        "observers/me.html", observer=observer, now=now, respond=RespondForm(),
        invitations=[i for i in invitations if i.state in ("pending", "accepted") and i.checked_in_at is None
                     and i.episode.state in services.OPEN_STATES],
        attended=[i for i in invitations if i.checked_in_at is not None],
        past=[i for i in invitations if i.checked_in_at is None and (i.state in ("declined", "revoked")
                                                                      or i.episode.state not in services.OPEN_STATES)],
        notes=my_notes, is_overdue=lambda n: notes.is_overdue(n, now),
        may_write=[i for i in invitations if i.state == "accepted" and i.episode.state in notes.NOTE_STATES])
