"""Pages of the agency and the coordinator: record findings, write, review and correct reports."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.agencies.models import Domain
from app.agencies.queries import all_agencies
from app.core import clock
from app.core.auth import current_actor
from app.core.i18n import current_lang
from app.core.pages import run_service
from app.episodes.forms import to_local
from app.episodes.models import Episode
from app.extensions import db
from app.findings import queries, reports, services
from app.findings.blueprint import bp
from app.findings.forms import OUTCOME_LABELS, CorrectionForm, FindingForm, ReportForm, ReviewForm
from app.findings.models import Finding
from app.library import queries as library


def _require_login():
    actor = current_actor()
    if not actor.is_authenticated:
        abort(redirect(url_for("accounts.login", next=request.full_path.rstrip("?"))))
    return actor


@bp.route("/episodes/<int:episode_id>/findings/new", methods=["GET", "POST"])
def new_finding(episode_id: int):
    """Record a finding of an episode (the coordinator, or staff of an agency taking part)."""
    actor = _require_login()
    episode = db.session.get(Episode, episode_id)
    if episode is None:
        abort(404)
    if not services.may_record(actor, episode):
        abort(403)
    form = FindingForm()
    form.domain_id.choices = [(d.id, d.name(current_lang())) for d in db.session.scalars(select(Domain))]
    form.legal_basis_id.choices = [(0, "—")] + [(b.id, b.citation) for b in library.citable_bases(clock.now())]
    form.enforcement_item_id.choices, form.discretion_level_id.choices = library.standard_choices()
    agencies = [a for a in episode.agencies if actor.is_coordinator or a.id == actor.agency_id]
    form.agency_id.choices = [(a.id, a.name(current_lang())) for a in agencies]
    if request.method == "GET":
        form.domain_id.data = episode.domain_id
    status = 200
    if form.is_submitted():
        if not form.validate():
            status = 400 if "csrf_token" in form.errors else 422
        else:
            created, status = run_service(form, lambda: services.record_finding(
                actor, episode_id, now=clock.now(), **form.values()))
            if status == 200:
                flash(_("The finding is recorded."), "success")
                return redirect(url_for("findings.finding", finding_id=created.id))
    return render_template("findings/finding_form.html", form=form, episode=episode), status


def _outcomes_from_form(choices: list[Finding]) -> list[reports.OutcomeInput]:
    """outcome_<id> and further_<id> for each finding offered; blank outcome = not covered."""
    items = []
    for f in choices:
        outcome = request.form.get(f"outcome_{f.id}", "")
        if outcome:
            items.append(reports.OutcomeInput(f.id, outcome, request.form.get(f"further_{f.id}", "")[:400]))
    return items


def _report_page(form, actor, episode_id, report=None, status=200):
    choices = queries.report_choices(actor, episode_id)
    chosen = {o.finding_id: o for o in (report.outcomes if report else [])}
    for f in choices:  # what was posted wins over what was stored
        if request.method == "POST":
            chosen[f.id] = reports.OutcomeInput(f.id, request.form.get(f"outcome_{f.id}", ""),
                                                request.form.get(f"further_{f.id}", ""))
    episodes = queries.episodes_to_report(actor)
    return render_template("findings/report_form.html", form=form, choices=choices, chosen=chosen,
                           episode_id=episode_id, episodes=episodes, report=report,
                           outcome_labels=OUTCOME_LABELS), status


@bp.route("/follow-ups/new", methods=["GET", "POST"])
def new_report():
    """The responsible agency writes a follow-up report on its findings of one episode."""
    actor = _require_login()
    if actor.role != "agency_staff":
        abort(403)
    episode_id = request.args.get("episode", type=int)
    form = ReportForm()
    if not form.is_submitted():
        return _report_page(form, actor, episode_id)
    if not form.validate():
        return _report_page(form, actor, episode_id, status=400 if "csrf_token" in form.errors else 422)
    outcomes = _outcomes_from_form(queries.report_choices(actor, episode_id))
    created, status = run_service(form, lambda: reports.create_report(
        actor, now=clock.now(), outcomes=outcomes, **form.values()))
    if status != 200:
        return _report_page(form, actor, episode_id, status=status)
    flash(_("The report is sent to the coordinator for review.") if created.state == "submitted"
          else _("The draft is saved."), "success")
    return redirect(url_for("findings.report", report_id=created.id))


@bp.route("/follow-ups/<int:report_id>/edit", methods=["GET", "POST"])
def edit_report(report_id: int):
    """Change a draft or returned report (a published one takes corrections instead)."""
    actor = _require_login()
    report = reports.get_report(actor, report_id)
    if not actor.is_agency_member(report.agency_id):
        abort(403)
    form = ReportForm(obj=None) if request.method == "POST" else ReportForm(
        formdata=None, reinspected_on=report.reinspected_on, body=report.current.body_md,
        publish_at=to_local(report.publish_at) if report.publish_at else None, publish_now=report.publish_at is None)
    if report.state == "published" and request.method == "POST":
        form.form_errors.append(_("A published report is never changed in place: add a correction with its reason."))
        return _report_page(form, actor, report.episode_id, report, status=409)
    if not form.is_submitted():
        return _report_page(form, actor, report.episode_id, report)
    if not form.validate():
        return _report_page(form, actor, report.episode_id, report, status=400 if "csrf_token" in form.errors else 422)
    outcomes = _outcomes_from_form(queries.report_choices(actor, report.episode_id))
    _done, status = run_service(form, lambda: reports.update_report(
        actor, report_id, now=clock.now(), outcomes=outcomes, **form.values()))
    if status != 200:
        return _report_page(form, actor, report.episode_id, report, status=status)
    flash(_("The report is saved."), "success")
    return redirect(url_for("findings.report", report_id=report_id))


@bp.post("/follow-ups/<int:report_id>/review")
def review(report_id: int):
    """The coordinator approves a report or sends it back with a reason."""
    if not _require_login().is_coordinator:
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_report(report_id, review_form=form, status=400)
    _done, status = run_service(form, lambda: reports.review(
        current_actor(), report_id, now=clock.now(), decision=form.decision.data or "", reason=form.reason.data or ""))
    if status != 200:
        return render_report(report_id, review_form=form, status=status)
    flash(_("The review is recorded."), "success")
    return redirect(url_for("findings.report", report_id=report_id))


@bp.post("/follow-ups/<int:report_id>/correct")
def correct(report_id: int):
    """Correct a published report: a new revision with its reason."""
    _require_login()
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_report(report_id, correction_form=form, status=400)
    _done, status = run_service(form, lambda: reports.correct(
        current_actor(), report_id, now=clock.now(), body=form.body.data or "", reason=form.reason.data or ""))
    if status != 200:
        return render_report(report_id, correction_form=form, status=status)
    flash(_("The correction is published with its reason."), "success")
    return redirect(url_for("findings.report", report_id=report_id) + "#revisions")


@bp.get("/follow-up/manage")
def manage():
    """Work to do: the coordinator's review queue and reopened findings; an agency's findings and reports."""
    actor = _require_login()
    if not (actor.is_coordinator or actor.role == "agency_staff"):
        abort(403)
    now = clock.now()
    return render_template("findings/manage.html", reports=queries.report_queue(actor),
                           findings=queries.finding_queue(actor), now=now, actor=actor,
                           agencies={a.id: a for a in all_agencies()})


def render_report(report_id: int, *, review_form=None, correction_form=None, status: int = 200):
    """A follow-up report: text, outcomes, photos, revision history, review and correction forms."""
    actor = current_actor()
    report = reports.get_report(actor, report_id)
    current = report.current
    return render_template(
        "findings/report.html", report=report, actor=actor, now=clock.now(),
        review_form=review_form or ReviewForm(formdata=None),
        correction_form=correction_form or CorrectionForm(formdata=None, body=current.body_md if current else ""),
        may_correct=report.state == "published" and (actor.is_coordinator or actor.is_agency_member(report.agency_id)),
        may_edit=report.state in reports.EDITABLE_STATES and actor.is_agency_member(report.agency_id)), status
