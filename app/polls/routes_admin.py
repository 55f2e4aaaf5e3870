"""The coordinator's poll pages: create/edit, topics, review proposals, offline tallies, decide."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.pages import run_service
from app.episodes import services as episodes
from app.polls import decisions, proposals, queries, services, tallies
from app.polls.blueprint import bp
from app.polls.forms import (DecideForm, EpisodeFromPollForm, PollForm, ReviewForm, TallyEditForm, TallyForm,
                             TopicForm, to_local, to_utc)


def _coordinator():
    actor = current_actor()
    services.require_coordinator(actor)
    return actor


def _form_page(form, title: str, submit: str, status: int = 200, poll=None, intro: str | None = None):
    return render_template("polls/form.html", form=form, title=title, submit=submit, poll=poll,
                           intro=intro), status


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 422


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a draft poll."""
    actor = _coordinator()
    form = PollForm()
    status = 200
    if form.validate_on_submit():
        poll, status = run_service(form, lambda: services.create_poll(actor, now=clock.now(), **form.values()))
        if poll is not None:
            flash(_("The poll was created as a draft. Add at least two topics: it opens by itself at its "
                    "opening time."), "success")
            return redirect(url_for("polls.show", poll_id=poll.id))
    elif form.is_submitted():
        status = _status(form)
    return _form_page(form, _("New topic poll"), _("Create the poll"), status)


@bp.route("/<int:poll_id>/edit", methods=["GET", "POST"])
@login_required
def edit(poll_id: int):
    """Edit a poll (a draft fully; an open one keeps its opening time, limit and visibility)."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = PollForm(obj=poll)
    if not form.is_submitted():
        form.opens_at.data, form.closes_at.data = to_local(poll.opens_at), to_local(poll.closes_at)
    status = 200
    if form.validate_on_submit():
        values = form.values()
        for key in ("opens_at", "closes_at"):  # the input has minute precision: unchanged is unchanged
            if abs(values[key] - getattr(poll, key)) < timedelta(minutes=1):
                del values[key]
        done, status = run_service(form, lambda: services.update_poll(actor, poll_id, now=clock.now(), **values))
        if done is not None:
            flash(_("The poll was saved."), "success")
            return redirect(url_for("polls.show", poll_id=poll_id))
    elif form.is_submitted():
        status = _status(form)
    return _form_page(form, _("Edit the poll"), _("Save"), status, poll)


@bp.route("/<int:poll_id>/topics/new", methods=["GET", "POST"])
@login_required
def add_topic(poll_id: int):
    """Add a candidate topic."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = TopicForm()
    status = 200
    if form.validate_on_submit():
        topic, status = run_service(form, lambda: services.add_topic(
            actor, poll_id, now=clock.now(), title=form.title.data, domain_code=form.domain.data,
            description=form.description.data, place_kind=form.place_kind.data))
        if topic is not None:
            flash(_("The topic was added."), "success")
            return redirect(url_for("polls.show", poll_id=poll_id) + f"#topic-{topic.id}")
    elif form.is_submitted():
        status = _status(form)
    return _form_page(form, _("Add a candidate topic"), _("Add the topic"), status, poll)


@bp.get("/<int:poll_id>/review")
@login_required
def review(poll_id: int):
    """Proposals awaiting review."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    return _review_page(poll, {}, 200)


def _review_page(poll, forms: dict, status: int):
    pending = queries.pending_proposals(poll)
    targets = [t for t in poll.topics if t.state == "approved"]
    for topic in pending:
        form = forms.get(topic.id) or ReviewForm(formdata=None, prefix=f"t{topic.id}")
        form.into_topic_id.choices = [(t.id, t.title) for t in targets]
        forms[topic.id] = form
    return render_template("polls/review.html", poll=poll, pending=pending, forms=forms), status


@bp.post("/<int:poll_id>/review/<int:topic_id>")
@login_required
def review_topic(poll_id: int, topic_id: int):
    """Approve, reject or merge one proposal."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = ReviewForm(prefix=f"t{topic_id}")
    if not form.validate_on_submit():
        return _review_page(poll, {topic_id: form}, _status(form))
    now = clock.now()
    calls = {"approve": lambda: proposals.approve(actor, poll_id, topic_id, now=now),
             "reject": lambda: proposals.reject(actor, poll_id, topic_id, reason=form.reason.data, now=now),
             "merge": lambda: proposals.merge(actor, poll_id, topic_id, into_topic_id=form.into_topic_id.data,
                                              now=now)}
    if form.action.data not in calls:
        form.form_errors.append(_("Choose approve, reject or merge."))
        return _review_page(poll, {topic_id: form}, 422)
    done, status = run_service(form, calls[form.action.data])
    if done is None:
        return _review_page(poll, {topic_id: form}, status)
    flash(_("The proposal was reviewed."), "success")
    return redirect(url_for("polls.review", poll_id=poll_id))


@bp.route("/<int:poll_id>/tallies", methods=["GET", "POST"])
@login_required
def tallies_page(poll_id: int):
    """Offline counts: the list and a form to add one."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = TallyForm()
    form.topic_id.choices = [(t.id, t.title) for t in poll.topics if t.state == "approved"]
    status = 200
    if form.validate_on_submit():
        done, status = run_service(form, lambda: tallies.add_tally(
            actor, poll_id, topic_id=form.topic_id.data, source=form.source.data,
            collected_on=form.collected_on.data, count=form.count.data, now=clock.now()))
        if done is not None:
            flash(_("The offline count was recorded."), "success")
            return redirect(url_for("polls.tallies_page", poll_id=poll_id))
    elif form.is_submitted():
        status = _status(form)
    entries = [tally for topic in poll.topics for tally in topic.tallies]
    return render_template("polls/tallies.html", poll=poll, form=form, entries=entries), status


@bp.route("/<int:poll_id>/tallies/<int:tally_id>/edit", methods=["GET", "POST"])
@login_required
def edit_tally(poll_id: int, tally_id: int):
    """Correct an offline count (a reason is required)."""
    actor = _coordinator()
    tally = tallies.get_tally(actor, poll_id, tally_id)
    form = TallyEditForm(obj=tally)
    status = 200
    if form.validate_on_submit():
        done, status = run_service(form, lambda: tallies.edit_tally(
            actor, poll_id, tally_id, reason=form.reason.data, source=form.source.data,
            collected_on=form.collected_on.data, count=form.count.data, now=clock.now()))
        if done is not None:
            flash(_("The correction was recorded."), "success")
            return redirect(url_for("polls.tallies_page", poll_id=poll_id))
    elif form.is_submitted():
        status = _status(form)
    return _form_page(form, _("Correct an offline count"), _("Save the correction"), status, tally.topic.poll)


@bp.route("/<int:poll_id>/decide", methods=["GET", "POST"])
@login_required
def decide(poll_id: int):
    """Choose the topic (step 1), then create the episode (step 2)."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = DecideForm()
    sealed = poll.state == "open" and not poll.counts_visible
    counted = queries.results(poll, force=not sealed)
    form.topic_id.choices = [(t.topic_id, t.title) for t in counted.topics]
    status = 200
    if form.validate_on_submit():
        done, status = run_service(form, lambda: decisions.decide(
            actor, poll_id, topic_id=form.topic_id.data, reason=form.reason.data, now=clock.now()))
        if done is not None:
            flash(_("The topic was decided. Now create the episode."), "success")
            return redirect(url_for("polls.create_episode", poll_id=poll_id))
    elif form.is_submitted():
        status = _status(form)
    return render_template("polls/decide.html", poll=poll, form=form, results=counted, sealed=sealed), status


@bp.route("/<int:poll_id>/episode", methods=["GET", "POST"])
@login_required
def create_episode(poll_id: int):
    """Create the draft episode on the decided topic."""
    actor = _coordinator()
    poll = services.get_poll(actor, poll_id)
    form = EpisodeFromPollForm()
    if not form.is_submitted() and poll.decided_topic is not None:
        form.title.data = poll.decided_topic.title
    status = 200
    if form.validate_on_submit():
        episode, status = run_service(form, lambda: episodes.create_episode_from_decision(
            actor, poll_id, title=form.title.data, agency_ids=list(form.agency_ids.data or []),
            scheduled_start=to_utc(form.scheduled_start.data), now=clock.now()))
        if episode is not None:
            flash(_("The draft episode was created from the decided topic."), "success")
            return redirect(url_for("polls.show", poll_id=poll_id) + "#decision")
    elif form.is_submitted():
        status = _status(form)
    return _form_page(form, _("Create the episode"), _("Create the draft episode"), status, poll,
                      intro=poll.decided_topic.title if poll.decided_topic else None)

