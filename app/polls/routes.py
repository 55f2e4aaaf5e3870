"""Public pages of the polls area: the list, a poll, voting, withdrawing, proposing, photos."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.pages import run_service
from app.episodes.queries import episode_of
from app.extensions import db
from app.polls import proposals, queries, routes_admin, services  # noqa: F401 (routes_admin: coordinator pages)
from app.polls.blueprint import bp
from app.polls.forms import ActionForm, ProposalForm
from app.polls.limits import proposal_limits, vote_limits
from app.polls.models import Topic
from app.polls.photos import photo_file


@bp.get("")
def list_polls():
    """Open polls first, then past polls with their decisions."""
    polls = db.session.scalars(queries.visible_polls(current_actor())).all()
    groups = {"open": [p for p in polls if p.state == "open"],
              "upcoming": [p for p in polls if p.state == "draft"],
              "past": [p for p in polls if p.state in ("closed", "decided")]}
    return render_template("polls/list.html", groups=groups)


def render_poll(poll_id: int, *, proposal_form: ProposalForm | None = None, vote_error: str | None = None,
                status: int = 200):
    """The poll page: topics, my votes, counts (when shown), proposals, the decision."""
    actor = current_actor()
    poll = services.get_poll(actor, poll_id)
    topics = queries.visible_topics(actor, poll)
    return render_template(
        "polls/show.html", poll=poll, topics=topics, results=queries.results(poll),
        mine=services.my_votes(actor, poll.id), now=clock.now(), action_form=ActionForm(),
        proposal_form=proposal_form or ProposalForm(formdata=None), vote_error=vote_error,
        episode=episode_of(poll), actor=actor), status


@bp.get("/<int:poll_id>")
def show(poll_id: int):
    """One poll."""
    return render_poll(poll_id)


def _vote_action(poll_id: int, act: Callable, done: str):
    form = ActionForm()
    if not form.validate_on_submit():
        return render_poll(poll_id, vote_error=_("The form expired. Please try again."), status=400)
    try:
        topic_id = int(form.topic_id.data or "")
    except ValueError:
        return render_poll(poll_id, vote_error=_("Choose a topic."), status=422)
    _result, status = run_service(form, lambda: act(current_actor(), poll_id, topic_id, now=clock.now()))
    if status != 200:
        return render_poll(poll_id, vote_error=form.form_errors[0], status=status)
    flash(done, "success")
    return redirect(url_for("polls.show", poll_id=poll_id) + f"#topic-{topic_id}")


@bp.post("/<int:poll_id>/vote")
@login_required
@vote_limits
def vote(poll_id: int):
    """Vote for a topic."""
    return _vote_action(poll_id, services.vote, _("Your vote has been counted."))


@bp.post("/<int:poll_id>/withdraw")
@login_required
@vote_limits
def withdraw(poll_id: int):
    """Withdraw a vote."""
    return _vote_action(poll_id, services.withdraw, _("Your vote has been withdrawn."))


@bp.post("/<int:poll_id>/propose")
@login_required
@proposal_limits
def propose(poll_id: int):
    """Propose a topic; it shows once the coordinator approves it."""
    form = ProposalForm()
    if not form.validate_on_submit():
        return render_poll(poll_id, proposal_form=form, status=400 if "csrf_token" in form.errors else 422)
    photo = form.photo.data.read() if form.photo.data else None
    _topic, status = run_service(form, lambda: proposals.propose(
        current_actor(), poll_id, now=clock.now(), title=form.title.data, domain_code=form.domain.data,
        why=form.description.data, photo=photo, place_kind=form.place_kind.data))
    if status != 200:
        return render_poll(poll_id, proposal_form=form, status=status)
    flash(_("Thank you. Your proposal will appear once the coordinator has reviewed it."), "success")
    return redirect(url_for("polls.show", poll_id=poll_id) + "#my-proposals")


@bp.get("/topics/<int:topic_id>/photo")
def topic_photo(topic_id: int):
    """A proposal's photo, for those who may see the topic."""
    topic = db.session.get(Topic, topic_id)
    if topic is None or not topic.photo_path or not queries.may_see_topic(current_actor(), topic):
        abort(404)
    path = photo_file(topic.photo_path)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
