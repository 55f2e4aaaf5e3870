"""Conduct complaints: the viewer's form, the list for the coordinator and the agencies, answers, decisions."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError, NotFound
from app.core.i18n import current_lang
from app.episodes.forms import to_utc
from app.episodes.models import Episode
from app.extensions import db
from app.parties import complaints
from app.parties.forms import ButtonForm, ComplaintAnswerForm, ComplaintDecisionForm, ComplaintForm
from app.parties.blueprint import bp


@bp.app_context_processor
def _complaints_helper() -> dict:
    """published_complaints(episode_id) for the episode page."""
    return {"published_complaints": complaints.published_for}


def _episode(episode_id: int) -> Episode:
    episode = db.session.get(Episode, episode_id)
    if episode is None or episode.state == "draft":
        raise NotFound(_("This episode was not found."), code="episode_not_found")
    return episode


def _form_page(episode: Episode, form: ComplaintForm, error: str | None = None, status: int = 200):
    form.agency_id.choices = [SelectChoice(a.id, a.name(current_lang())) for a in episode.agencies]
    live_offset = complaints.stream_offset(episode, clock.now())
    return render_template("parties/complaint_form.html", episode=episode, form=form, error=error,
                           live_offset=live_offset), status


@bp.route("/episodes/<int:episode_id>/complaints/new", methods=["GET", "POST"])
@login_required
def new_complaint(episode_id: int):
    """Report officer conduct; in the live room the moment is now (or ?at=<seconds> from the player)."""
    episode = _episode(episode_id)
    form = ComplaintForm()
    if request.method == "GET":
        at = request.args.get("at", type=int)
        if at is not None and at >= 0:
            form.minute.data, form.second.data = at // 60, at % 60
        return _form_page(episode, form)
    _form_page(episode, form)  # choices before validation
    if not form.validate_on_submit():
        return _form_page(episode, form, _("Please check the form."), 422)
    offset = None
    if form.minute.data is not None or form.second.data is not None:
        offset = (form.minute.data or 0) * 60 + (form.second.data or 0)
        if (form.second.data or 0) > 59 or (form.minute.data or 0) < 0 or (form.second.data or 0) < 0:
            return _form_page(episode, form, _("This moment is not within the stream."), 422)
    try:
        with unit_of_work():
            complaints.submit(current_actor(), episode.id, now=clock.now(), agency_id=form.agency_id.data,
                              body=form.body.data or "", offset_seconds=offset)
    except DomainError as error:
        db.session.expire_all()
        return _form_page(episode, form, str(error.message), error.status)
    flash(_("Thank you. The justice bureau and the agency have your report; the agency must answer by the deadline."),
          "success")
    return redirect(url_for("parties.complaints_list"))


@bp.route("/complaints")
@login_required
def complaints_list():
    """Complaints the visitor may see: all (coordinator), their agency's (staff), their own (viewers)."""
    actor = current_actor()
    now = clock.now()
    items = db.session.scalars(complaints.visible(actor).order_by(
        complaints.ConductComplaint.created_at.desc()).limit(200)).all()
    return render_template("parties/complaints.html", items=items, now=now, actor=actor,
                           answer_form=ComplaintAnswerForm(), decision_form=ComplaintDecisionForm(),
                           button=ButtonForm())


def _act(action, done: str):
    try:
        with unit_of_work():
            action()
    except DomainError as error:
        if error.status == 404:
            raise
        db.session.expire_all()
        flash(str(error.message), "error")
        return redirect(url_for("parties.complaints_list"))
    flash(done, "success")
    return redirect(url_for("parties.complaints_list"))


@bp.post("/complaints/<int:complaint_id>/answer")
@login_required
def answer_complaint(complaint_id: int):
    """The agency concerned answers."""
    form = ComplaintAnswerForm()
    if not form.validate_on_submit():
        complaints.get_complaint(complaint_id)
        flash(_("Please check the form."), "error")
        return redirect(url_for("parties.complaints_list"))
    return _act(lambda: complaints.answer(current_actor(), complaint_id, now=clock.now(), body=form.body.data or ""),
                _("Your answer was sent to the justice bureau."))


@bp.post("/complaints/<int:complaint_id>/decide")
@login_required
def decide_complaint(complaint_id: int):
    """The coordinator publishes or dismisses."""
    actor = current_actor()
    from app.parties.services import require_coordinator

    require_coordinator(actor)
    form = ComplaintDecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("publish", "dismiss"):
        complaints.get_complaint(complaint_id)
        flash(_("Choose to publish or dismiss."), "error")
        return redirect(url_for("parties.complaints_list"))
    return _act(lambda: complaints.decide(actor, complaint_id, now=clock.now(), publish=form.decision.data == "publish",
                                          reason=form.reason.data or ""),
                _("Published on the episode.") if form.decision.data == "publish" else _("Dismissed."))


@bp.post("/complaints/<int:complaint_id>/due")
@login_required
def complaint_due(complaint_id: int):
    """The coordinator moves the answer deadline (a local date and time)."""
    actor = current_actor()
    from datetime import datetime

    from app.parties.services import require_coordinator

    require_coordinator(actor)
    if not ButtonForm().validate_on_submit():
        complaints.get_complaint(complaint_id)
        flash(_("Please check the form."), "error")
        return redirect(url_for("parties.complaints_list"))
    try:
        due = to_utc(datetime.strptime(request.form.get("answer_due", ""), "%Y-%m-%dT%H:%M"))
    except ValueError:
        complaints.get_complaint(complaint_id)
        flash(_("Enter a date and time."), "error")
        return redirect(url_for("parties.complaints_list"))
    return _act(lambda: complaints.set_due(actor, complaint_id, now=clock.now(), answer_due=due),
                _("The deadline was changed."))
