"""Coordinator pages: the list of every episode (drafts included), create and edit forms."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from app.accounts.models import User
from app.agencies.queries import all_agencies, all_domains
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.core.i18n import current_lang
from app.episodes import covers, services
from app.episodes.blueprint import bp
from app.episodes.forms import EpisodeForm, to_local, to_utc
from app.episodes.models import Episode
from app.episodes.queries import visible_episodes
from app.extensions import db


def _coordinator_or_redirect():
    """None for the coordinator; a redirect to log in for anonymous users; 403 otherwise."""
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    services.require_coordinator(actor)
    return None


def _choices(form: EpisodeForm) -> None:
    domains, agencies = all_domains(), all_agencies()
    lang = current_lang()
    form.domain_id.choices = [SelectChoice(d.id, d.name(lang)) for d in domains]
    form.lead_agency_id.choices = [SelectChoice(a.id, a.name(lang)) for a in agencies]
    form.support_agency_ids.choices = [SelectChoice(a.id, a.name(lang)) for a in agencies]


def _host_user_id(form: EpisodeForm) -> int | None:
    """The host's user id from the typed user name (None when empty); adds a field error if unknown."""
    name = (form.host_username.data or "").strip()
    if not name:
        return None
    user_id = db.session.scalar(select(User.id).where(User.username == name))
    if user_id is None:
        form.host_username.errors = [*form.host_username.errors, _("No user has this user name.")]
    return user_id


def _apply_error(form: EpisodeForm, error: DomainError) -> None:
    """Show a refused change in the form: on its field when the service named one."""
    fields = (error.details or {}).get("fields") or {}
    mapping = {"agency_ids": "lead_agency_id", "host_user_id": "host_username"}
    placed = False
    for name, messages in fields.items():
        field = getattr(form, mapping.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
            placed = True
    if not placed:
        form.form_errors.append(str(error.message))


def _save_cover(form: EpisodeForm, actor, episode_id: int) -> None:
    upload = form.cover.data
    if upload is None or not getattr(upload, "filename", ""):
        return
    stored = covers.store(upload.read(covers.MAX_BYTES + 1))
    old = db.session.get(Episode, episode_id).cover_path
    services.set_cover(actor, episode_id, stored, now=clock.now())
    from app.core.realtime import after_commit

    after_commit(lambda: covers.remove(old))


@bp.route("/episodes/manage")
def manage():
    """Every episode the coordinator runs, drafts first."""
    refused = _coordinator_or_redirect()
    if refused:
        return refused
    episodes = db.session.scalars(visible_episodes(current_actor()).order_by(
        (Episode.state == "draft").desc(), Episode.scheduled_start.desc())).all()
    return render_template("episodes/manage.html", episodes=episodes)


@bp.route("/episodes/new", methods=["GET", "POST"])
def create():
    """Create a draft episode."""
    refused = _coordinator_or_redirect()
    if refused:
        return refused
    form = EpisodeForm()
    _choices(form)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            host_id = _host_user_id(form)
            if not form.host_username.errors:
                actor = current_actor()
                try:
                    with unit_of_work():
                        episode = services.create_episode(
                            actor, title=form.title.data, domain_id=form.domain_id.data,
                            agency_ids=form.agency_ids(), scheduled_start=to_utc(form.scheduled_start.data),
                            now=clock.now(), number=form.number.data, host_user_id=host_id, **form.details())
                        _save_cover(form, actor, episode.id)
                except DomainError as error:
                    _apply_error(form, error)
                    status = error.status
                else:
                    return redirect(url_for("episodes.detail", episode_id=episode.id))
    return render_template("episodes/form.html", form=form, episode=None), status


@bp.route("/episodes/<int:episode_id>/edit", methods=["GET", "POST"])
def edit(episode_id: int):
    """Edit an episode (not once closed)."""
    refused = _coordinator_or_redirect()
    if refused:
        return refused
    actor = current_actor()
    episode = services.get_visible(actor, episode_id)
    form = EpisodeForm(obj=episode) if request.method == "GET" else EpisodeForm()
    _choices(form)
    if request.method == "GET":
        lead = [p.agency_id for p in episode.participations if p.role == "lead"]
        form.lead_agency_id.data = lead[0] if lead else None
        form.support_agency_ids.data = [p.agency_id for p in episode.participations if p.role != "lead"]
        form.scheduled_start.data = to_local(episode.scheduled_start)
        host = db.session.get(User, episode.host_user_id) if episode.host_user_id else None
        form.host_username.data = host.username if host else ""
        return render_template("episodes/form.html", form=form, episode=episode)
    status = 422
    if form.validate_on_submit():
        host_id = _host_user_id(form)
        if not form.host_username.errors:
            try:
                with unit_of_work():
                    services.update_episode(
                        actor, episode_id, now=clock.now(), title=form.title.data, domain_id=form.domain_id.data,
                        agency_ids=form.agency_ids(), scheduled_start=to_utc(form.scheduled_start.data),
                        host_user_id=host_id, **({"number": form.number.data} if form.number.data else {}),
                        **form.details())
                    _save_cover(form, actor, episode_id)
            except DomainError as error:
                _apply_error(form, error)
                status = error.status
            else:
                return redirect(url_for("episodes.detail", episode_id=episode_id))
    db.session.expire_all()
    return render_template("episodes/form.html", form=form,
                           episode=services.get_visible(actor, episode_id)), status
