"""Observer pages: registry, rotation, invitations (link, QR, bind, answer, check-in), my observer page."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.core.pages import form_error
from app.episodes.forms import to_utc
from app.episodes.models import Episode
from app.extensions import db
from app.observers import queries, routes_invitation, routes_notes, services  # noqa: F401 (more views on bp)
from app.observers.blueprint import bp
from app.observers.forms import (ASPECT_LABELS, KIND_LABELS, STATE_LABELS, VISIBILITY_LABELS, ButtonForm,
                                 CheckInForm, InviteForm, ObserverForm)


REGISTRY_FIELDS = ("name", "kind", "organisation", "term_start", "term_end", "contact", "listed")


@bp.record_once
def _register_globals(state) -> None:
    """Jinja globals for partials other pages include (episode page, agency page, live room)."""
    state.app.jinja_env.globals.update(
        episode_observers=queries.listed_observers, agency_observer_notes=queries.notes_for_agency,
        observer_kind_labels=KIND_LABELS, observer_kind_map=lambda: {k: str(v) for k, v in KIND_LABELS.items()}, observer_aspect_labels=ASPECT_LABELS,
        observer_state_labels=STATE_LABELS, observer_visibility_labels=VISIBILITY_LABELS)


# ---------------------------------------------------------------- registry (coordinator)


@bp.route("/observers", methods=["GET", "POST"])
@login_required
def registry():
    """The registry of observers, with a form to add one."""
    actor = current_actor()
    services.require_coordinator(actor)
    form, status = ObserverForm(), 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                observer = services.create_observer(actor, now=clock.now(), username=form.username.data,
                                                    **{f: form[f].data for f in REGISTRY_FIELDS})
            flash(_("Observer %(name)s added.", name=observer.name), "success")
            return redirect(url_for("observers.registry"))
        except DomainError as error:
            form_error(form, error)
            status = error.status
    elif request.method == "POST":
        status = 422
    observers = queries.registry()
    return render_template("observers/registry.html", observers=observers, form=form), status


@bp.route("/observers/<int:observer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(observer_id: int):
    """Edit a registry entry."""
    actor = current_actor()
    services.require_coordinator(actor)
    observer = services.get_observer(observer_id)
    form, status = ObserverForm(obj=observer), 200
    if request.method == "GET":
        form.username.data = observer.user.username if observer.user else ""
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_observer(actor, observer.id, now=clock.now(), username=form.username.data,
                                         **{f: form[f].data for f in REGISTRY_FIELDS})
            flash(_("Saved."), "success")
            return redirect(url_for("observers.registry"))
        except DomainError as error:
            form_error(form, error)
            status = error.status
    elif request.method == "POST":
        status = 422
    return render_template("observers/edit.html", observer=observer, form=form), status


@bp.route("/observers/rotation")
@login_required
def rotation():
    """Who observed how often, who was not invited this year, which supervisors are due."""
    actor = current_actor()
    services.require_coordinator(actor)
    kind = request.args.get("kind") or None
    return render_template("observers/rotation.html", rows=queries.rotation(clock.now(), kind), kind=kind,
                           rotation_episodes=queries.ROTATION_EPISODES, rotation_days=queries.ROTATION_DAYS)


# ---------------------------------------------------------------- an episode's invitations (coordinator)


def _episode_page(episode: Episode, form: InviteForm | None = None, error: str | None = None, status: int = 200):
    form = form or InviteForm()
    form.observer_id.choices = [(o.id, f"{o.name} · {KIND_LABELS[o.kind]}") for o in queries.invitable(episode.id)]
    return render_template("observers/episode.html", episode=episode, form=form, error=error,
                           invitations=queries.invitations_of(episode.id), button=ButtonForm(),
                           accepted=services.accepted_count(episode.id)), status


def _episode(episode_id: int) -> Episode:
    episode = db.session.get(Episode, episode_id)
    if episode is None:
        abort(404)
    return episode


@bp.route("/episodes/<int:episode_id>/observers", methods=["GET", "POST"])
@login_required
def episode_invitations(episode_id: int):
    """Invite observers to an episode, see answers, revoke, check in."""
    actor = current_actor()
    services.require_coordinator(actor)
    episode = _episode(episode_id)
    form = InviteForm()
    _episode_page(episode, form)  # fills the choices before validation
    if request.method == "POST":
        if not form.validate_on_submit():
            return _episode_page(episode, form, status=422)
        try:
            with unit_of_work():
                expires = to_utc(form.expires_at.data) if form.expires_at.data else None
                services.invite(actor, episode.id, form.observer_id.data, now=clock.now(), expires_at=expires)
            flash(_("Invitation created."), "success")
            return redirect(url_for("observers.episode_invitations", episode_id=episode.id))
        except DomainError as error:
            return _episode_page(episode, form, error=str(error.message), status=error.status)
    return _episode_page(episode, form)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int):
    """Revoke an invitation."""
    actor = current_actor()
    services.require_coordinator(actor)
    invitation = services.get_invitation(invitation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            services.revoke(actor, invitation.id, now=clock.now())
    except DomainError as error:
        return _episode_page(invitation.episode, error=str(error.message), status=error.status)
    flash(_("Invitation revoked."), "success")
    return redirect(url_for("observers.episode_invitations", episode_id=invitation.episode_id))


@bp.post("/episodes/<int:episode_id>/observers/check-in")
@login_required
def check_in(episode_id: int):
    """The coordinator's check-in button."""
    actor = current_actor()
    services.require_coordinator(actor)
    episode = _episode(episode_id)
    form = CheckInForm()
    if not form.validate_on_submit() or not str(form.observer_id.data).isdigit():
        return _episode_page(episode, error=_("Choose an observer to check in."), status=422)
    try:
        with unit_of_work():
            services.check_in(actor, episode.id, int(form.observer_id.data), now=clock.now())
    except DomainError as error:
        return _episode_page(episode, error=str(error.message), status=error.status)
    flash(_("Checked in."), "success")
    return redirect(url_for("observers.episode_invitations", episode_id=episode.id))
