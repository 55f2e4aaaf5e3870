"""Observer note pages: write a note, the notes list (coordinator: overdue first; agency: to answer)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError, NotAllowed
from app.core.pages import form_error
from app.episodes.forms import to_local, to_utc
from app.episodes.models import Episode
from app.extensions import db
from app.observers import notes, queries, services
from app.observers.forms import ASPECT_LABELS, AnswerForm, DueForm, NoteForm
from app.observers.blueprint import bp


@bp.route("/episodes/<int:episode_id>/observer-notes/new", methods=["GET", "POST"])
@login_required
def new_note(episode_id: int):
    """An invited observer writes a note on the episode's enforcement."""
    actor = current_actor()
    episode = db.get_or_404(Episode, episode_id)
    if services.observer_of_user(actor.user_id) is None:
        raise NotAllowed(_("Only observers can write observer notes."), code="note_observers_only")
    form, status = NoteForm(), 200
    form.agency_id.choices = [(a.id, a.name("en" if str(get_locale()).startswith("en") else "zh"))
                               for a in episode.agencies]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                notes.post_note(actor, episode.id, agency_id=form.agency_id.data, aspect=form.aspect.data,
                                body=form.body.data, visibility=form.visibility.data, now=clock.now())
            flash(_("Your note was sent to the agency."), "success")
            return redirect(url_for("observers.me"))
        except DomainError as error:
            form_error(form, error)
            status = error.status
    elif request.method == "POST":
        status = 422
    return render_template("observers/note_form.html", episode=episode, form=form), status


def _notes_page(error: str | None = None, status: int = 200):
    actor = current_actor()
    now = clock.now()
    rows = queries.notes_page(actor, now)
    due_forms = {n.id: DueForm(prefix=f"n{n.id}", answer_due=to_local(n.answer_due) if n.answer_due else None)
                 for n in rows if actor.is_coordinator}
    return render_template("observers/notes.html", notes=rows, now=now, error=error, due_forms=due_forms,
                           answer_form=AnswerForm(), aspect_labels=ASPECT_LABELS,
                           may_answer=lambda n: actor.is_agency_member(n.agency_id) and n.answered_at is None,
                           is_overdue=lambda n: notes.is_overdue(n, now)), status


@bp.route("/observers/notes")
@login_required
def notes_list():
    """Coordinator: every note, overdue first. Agency staff: their agency's notes to answer."""
    actor = current_actor()
    if not (actor.is_coordinator or actor.role == "agency_staff"):
        raise NotAllowed(_("Only the coordinator and agency staff can see this list."))
    return _notes_page()


@bp.post("/observer-notes/<int:note_id>/answer")
@login_required
def answer(note_id: int):
    """Agency staff answer a note addressed to their agency."""
    actor = current_actor()
    note = notes.get_note(note_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _notes_page(error=_("Write an answer of up to 2000 characters."), status=422)
    try:
        with unit_of_work():
            notes.answer(actor, note.id, form.body.data, now=clock.now())
    except DomainError as error:
        if error.status == 403 and not (actor.is_coordinator or actor.role == "agency_staff"):
            raise
        return _notes_page(error=str(error.message), status=error.status)
    flash(_("Answer published."), "success")
    return redirect(url_for("observers.notes_list"))


@bp.post("/observer-notes/<int:note_id>/due")
@login_required
def set_due(note_id: int):
    """The coordinator sets the answer deadline."""
    actor = current_actor()
    services.require_coordinator(actor)
    note = notes.get_note(note_id)
    form = DueForm(prefix=f"n{note.id}")
    if not form.validate_on_submit():
        return _notes_page(error=_("Enter a date and time."), status=422)
    try:
        with unit_of_work():
            notes.set_due(actor, note.id, to_utc(form.answer_due.data), now=clock.now())
    except DomainError as error:
        form_error(form, error)
        return _notes_page(error=str(error.message), status=error.status)
    flash(_("Deadline saved."), "success")
    return redirect(url_for("observers.notes_list"))

