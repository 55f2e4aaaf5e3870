"""Pages of the live area: the host console and the word list (the legal catalogue is app.library)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.live import comments, moderation, notes, words
from app.live.access import require_console, require_moderator, visible_episode
from app.library import queries as library
from app.live.forms import DeleteForm, NoteForm, StateForm, WordForm
from app.live.models import SensitiveWord

bp = Blueprint("live", __name__)


def _note_form() -> NoteForm:
    form = NoteForm()
    form.legal_basis_id.choices = [(0, _("None"))] + [(b.id, b.citation) for b in library.citable_bases(clock.now())]
    return form


def _console(episode_id: int, note_form: NoteForm | None = None, status: int = 200):
    actor = current_actor()
    episode = visible_episode(actor, episode_id)
    require_console(actor, episode)
    from app.live.access import is_host

    host = is_host(actor, episode)
    return render_template("live/console.html", episode=episode, note_form=note_form or _note_form(),
                           state_form=StateForm(), questions=comments.questions(episode.id),
                           held=moderation.held(actor, episode.id) if host else [],
                           notes=notes.notes(episode.id), can_host=host,
                           can_ban=actor.is_coordinator), status


@bp.get("/episodes/<int:episode_id>/console")
@login_required
def console(episode_id: int):
    """The host console: go live/end, questions, held comments, notes, counts, moderation."""
    return _console(episode_id)


@bp.post("/episodes/<int:episode_id>/console/notes")
@login_required
def post_note(episode_id: int):
    """Post a live note from the console's composer."""
    form = _note_form()
    if form.validate_on_submit():
        try:
            upload = request.files.get("image")
            data = upload.read() if upload and upload.filename else None
            with unit_of_work():
                image_path = notes.save_note_image(data) if data is not None else None
                notes.post_note(current_actor(), episode_id, form.body.data, now=clock.now(),
                                image_path=image_path, legal_basis_id=form.legal_basis_id.data or None)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            form.form_errors.append(str(error.message))
            return _console(episode_id, form, error.status)
        flash(_("The note is live."), "success")
        return redirect(url_for("live.console", episode_id=episode_id) + "#notes")
    return _console(episode_id, form, 422)


@bp.post("/episodes/<int:episode_id>/console/state")
@login_required
def change_state(episode_id: int):
    """Go live or end, through the episodes service."""
    from app.episodes import services as episodes

    actor = current_actor()
    require_console(actor, visible_episode(actor, episode_id))
    form = StateForm()
    steps = {"go_live": episodes.go_live, "end": episodes.end}
    if not form.validate_on_submit() or form.step.data not in steps:
        abort(400)
    try:
        with unit_of_work():
            steps[form.step.data](actor, episode_id, now=clock.now())
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    return redirect(url_for("live.console", episode_id=episode_id))


@bp.get("/live/note-images/<name>")
def note_image(name: str):
    """A live note's stored image."""
    if "/" in name or name.startswith("."):
        abort(404)
    return send_from_directory(notes.image_dir(), name, max_age=86400)


@bp.route("/live/words", methods=["GET", "POST"])
@login_required
def word_list():
    """The sensitive-word list (coordinator)."""
    actor = current_actor()
    require_moderator(actor)
    form, status = WordForm(), 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                words.add_word(actor, form.word.data, now=clock.now())
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            flash(_("The word is listed."), "success")
            return redirect(url_for("live.word_list"))
    elif request.method == "POST":
        status = 422
    from sqlalchemy import select

    from app.extensions import db

    listed = db.session.scalars(select(SensitiveWord).order_by(SensitiveWord.word)).all()
    return render_template("live/words.html", form=form, words=listed, delete_form=DeleteForm()), status


@bp.post("/live/words/<int:word_id>/delete")
@login_required
def delete_word(word_id: int):
    """Remove a word from the list (coordinator)."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        words.remove_word(current_actor(), word_id, now=clock.now())
    flash(_("The word was removed."), "success")
    return redirect(url_for("live.word_list"))
