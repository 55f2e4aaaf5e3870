"""Public episode pages: schedule, archive, the episode page, calendar feeds, covers, remind me."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.agencies.queries import all_agencies, all_domains
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.episodes import calendar, covers, manage, queries, services  # noqa: F401 (manage: coordinator pages)
from app.episodes.blueprint import bp
from app.episodes.forms import PLACE_LABELS, RemindForm, StepForm
from app.extensions import db
from app.search import queries as search


@bp.route("/episodes")
def schedule():
    """Live and upcoming episodes."""
    episodes = db.session.scalars(queries.schedule(current_actor())).all()
    return render_template("episodes/schedule.html", episodes=episodes)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 6 else None


@bp.route("/episodes/archive")
def archive():
    """Broadcast episodes as a teaching library: filter by domain, agency and year; search."""
    q = (request.args.get("q") or "").strip()[:100]
    domain = (request.args.get("domain") or "")[:40] or None
    agency = (request.args.get("agency") or "")[:60] or None
    year = _int_arg("year")
    query = search.archive(current_actor(), q=q or None, domain=domain, agency=agency, year=year)
    episodes, meta = queries.page_of(query, _int_arg("page") or 1)
    return render_template(
        "episodes/archive.html", episodes=episodes, meta=meta, q=q, domain=domain, agency=agency, year=year,
        domains=all_domains(), agencies=all_agencies(),
        years=queries.archive_years())


def render_detail(episode, *, error: str | None = None, status: int = 200):
    """The episode page (also re-rendered with an error when a button was refused)."""
    actor = current_actor()
    steps = [name for name, (source, _target, _stamp, others) in services.TRANSITIONS.items()
             if source == episode.state
             and (actor.is_coordinator or (others == "host" and services.may_run_live(actor, episode)))]
    return render_template(
        "episodes/detail.html", episode=episode, error=error, steps=steps,
        place_labels=PLACE_LABELS, now=clock.now(),
        following=queries.is_following(actor.user_id, episode.id),
        may_edit=actor.is_coordinator and episode.state != "closed"), status


@bp.route("/episodes/<int:episode_id>")
def detail(episode_id: int):
    """One episode: facts, state, remind me; the live room when live or ended."""
    return render_detail(services.get_visible(current_actor(), episode_id))


@bp.route("/episodes/<int:episode_id>/remind", methods=["POST"])
def remind(episode_id: int):
    """Turn the 30-minute reminder on (or off with off=1)."""
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("episodes.detail", episode_id=episode_id)))
    form = RemindForm()
    episode = services.get_visible(actor, episode_id)
    if not form.validate_on_submit():
        return render_detail(episode, error=_("The form expired. Please try again."), status=400)
    on = request.form.get("off") != "1"
    with unit_of_work():
        services.remind_me(actor, episode_id, now=clock.now(), on=on)
    return redirect(url_for("episodes.detail", episode_id=episode_id))


@bp.route("/episodes/<int:episode_id>/step", methods=["POST"])
def step(episode_id: int):
    """A lifecycle button: form field `step` names the transition."""
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("episodes.detail", episode_id=episode_id)))
    episode = services.get_visible(actor, episode_id)
    services.check_may_step(actor, episode)
    name = request.form.get("step", "")
    if not StepForm().validate_on_submit() or name not in services.TRANSITIONS:
        return render_detail(episode, error=_("Choose one of the buttons below."), status=422)
    try:
        with unit_of_work():
            services.transition(actor, episode_id, name, now=clock.now())
    except DomainError as error:
        db.session.expire_all()
        return render_detail(services.get_visible(actor, episode_id), error=str(error.message),
                             status=error.status)
    return redirect(url_for("episodes.detail", episode_id=episode_id))


@bp.route("/episodes.ics")
def calendar_feed():
    """Every published episode as an iCalendar feed."""
    episodes = db.session.scalars(queries.published_episodes()).all()
    body = calendar.feed(episodes, now=clock.now(), name=_("Zhibo episodes"))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="zhibo-episodes.ics"'})


@bp.route("/episodes/<int:episode_id>.ics")
def episode_calendar(episode_id: int):
    """One episode as an iCalendar file."""
    episode = services.get_visible(current_actor(), episode_id)
    body = calendar.feed([episode], now=clock.now(), name=episode.title)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="zhibo-episode-{episode.number}.ics"'})


@bp.route("/episodes/<int:episode_id>/cover")
def cover(episode_id: int):
    """The episode's cover image (re-encoded JPEG), if it has one."""
    episode = services.get_visible(current_actor(), episode_id)
    path = covers.path_of(episode.cover_path) if episode.cover_path else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response
