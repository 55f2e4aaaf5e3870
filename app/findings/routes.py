"""Public pages of the follow-up loop: the board (回头看), findings, reports, the feed, photos, follows."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.agencies.models import Agency
from app.agencies.queries import all_agencies, all_domains
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.pages import run_service
from app.episodes.models import Episode
from app.extensions import db
from app.findings import markdown, photos, queries, reports, routes_manage, services, stats
from app.findings.blueprint import bp
from app.findings.forms import (OUTCOME_LABELS, SEVERITY_LABELS, ConfirmForm, DecisionForm,
                                FollowForm, files)
from app.findings.models import Finding
from app.notifications.queries import follows
from app.notifications.services import follow as follow_target
from app.notifications.services import unfollow

PER_PAGE = 30


def is_following(kind: str, target_id: int) -> bool:
    """Whether the current user follows a target."""
    return follows(current_actor().user_id, kind, target_id)


@bp.app_context_processor
def _helpers() -> dict:
    """Helpers for templates, including the episode page's follow-up section."""
    return {"episode_findings": queries.episode_findings, "render_markdown": markdown.render,
            "is_following": is_following, "outcome_labels": OUTCOME_LABELS, "severity_labels": SEVERITY_LABELS,
            "follow_form": FollowForm}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 7 else None


@bp.get("/follow-up")
def board():
    """The public follow-up board: every finding, its state and timeline, and the rates."""
    now = clock.now()
    state = request.args.get("state") if request.args.get("state") in queries.BOARD_STATES else None
    filters = {"episode_id": _int_arg("episode"), "agency": (request.args.get("agency") or "")[:60] or None,
               "domain": (request.args.get("domain") or "")[:40] or None, "state": state}
    found = db.session.scalars(queries.board(now, **filters)).all()
    page = max(_int_arg("page") or 1, 1)
    pages = max((len(found) + PER_PAGE - 1) // PER_PAGE, 1)
    rows = queries.all_rows()
    shown = found[(page - 1) * PER_PAGE:page * PER_PAGE]
    last = queries.latest_publications([f.id for f in shown])
    return render_template(
        "findings/board.html", findings=shown, total=len(found),
        timelines={f.id: queries.steps(f, last.get(f.id), now) for f in shown},
        page=page, pages=pages, filters=filters, now=now, overall=stats.summarize(rows, now),
        by_episode=stats.summarize_by(rows, lambda r: r.episode_id, now),
        by_agency=stats.summarize_by(rows, lambda r: r.agency_id, now),
        episodes=queries.board_episodes(), agencies=all_agencies(), states=queries.BOARD_STATES,
        domains=all_domains())


@bp.get("/follow-up/feed.atom")
def feed():
    """Atom feed of published follow-up reports."""
    entries = [(r, max(r.published_at, r.current.created_at)) for r in queries.feed_reports()]
    updated = max((u for _r, u in entries), default=clock.now())
    body = render_template("findings/feed.atom.xml", entries=entries, feed_updated=updated,
                           base=request.url_root.rstrip("/"))
    return Response(body, mimetype="application/atom+xml")


def render_finding(finding_id: int, *, confirm_form=None, decision_form=None, status: int = 200):
    """A finding's page: facts, photos, timeline, reports, public word, actions."""
    actor, now = current_actor(), clock.now()
    finding = services.get_finding(finding_id)
    published = queries.published_reports(finding.id)
    confirmations = queries.confirmations(finding.id)
    outcome = services.published_outcome(finding.id)
    can_confirm = (outcome is not None and outcome.outcome == "rectified"
                   and finding.state in services.CONFIRMABLE_STATES
                   and services.may_confirm(actor.user_id, finding)
                   and actor.user_id not in {c.user_id for c in confirmations})
    return render_template(
        "findings/finding.html", finding=finding, reports=published, now=now,
        steps=queries.timeline(finding, published, now), confirmations=confirmations,
        can_confirm=can_confirm, confirm_form=confirm_form or ConfirmForm(formdata=None),
        decision_form=decision_form or DecisionForm(formdata=None), actor=actor,
        may_report=actor.is_agency_member(finding.agency_id)), status


@bp.get("/findings/<int:finding_id>")
def finding(finding_id: int):
    """One finding."""
    return render_finding(finding_id)


@bp.post("/findings/<int:finding_id>/confirm")
def confirm(finding_id: int):
    """A follower or observer confirms or disputes a published rectification."""
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("findings.finding", finding_id=finding_id)))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_finding(finding_id, confirm_form=form, status=400)
    uploaded = files(form.photo)
    _done, status = run_service(form, lambda: services.confirm(
        actor, finding_id, now=clock.now(), verdict=form.verdict.data or "", reason=form.reason.data or "",
        photo=uploaded[0] if uploaded else None))
    if status != 200:
        return render_finding(finding_id, confirm_form=form, status=status)
    flash(_("Thank you: your word is recorded."), "success")
    return redirect(url_for("findings.finding", finding_id=finding_id) + "#public-word")


@bp.post("/findings/<int:finding_id>/decide")
def decide(finding_id: int):
    """The coordinator's decision on a finding."""
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("findings.finding", finding_id=finding_id)))
    if not actor.is_coordinator:
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return render_finding(finding_id, decision_form=form, status=400)
    _done, status = run_service(form, lambda: services.decide(
        current_actor(), finding_id, now=clock.now(), decision=form.decision.data, reason=form.reason.data or ""))
    if status != 200:
        return render_finding(finding_id, decision_form=form, status=status)
    flash(_("The decision is recorded."), "success")
    return redirect(url_for("findings.finding", finding_id=finding_id))


@bp.get("/follow-ups/<int:report_id>")
def report(report_id: int):
    """One follow-up report."""
    return routes_manage.render_report(report_id)


@bp.get("/uploads/findings/<name>")
def photo(name: str):
    """A finding, report or confirmation photo, for those who may see what it belongs to."""
    stored = f"{photos.SUBDIR}/{name}"
    path = photos.photo_file(stored)
    if path is None:
        abort(404)
    if not reports.may_see_photo(current_actor(), stored):
        abort(404)
    response = send_file(path, mimetype="image/png" if path.suffix == ".png" else "image/jpeg", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


FOLLOW_KINDS = ("episode", "finding", "agency")


@bp.post("/follow/<kind>/<int:target_id>")
def follow(kind: str, target_id: int):
    """Follow (or with off=1 stop following) an episode, a finding or an agency."""
    if kind not in FOLLOW_KINDS:
        abort(404)
    back = _safe_next() or url_for("findings.board")
    actor = current_actor()
    if not actor.is_authenticated:
        return redirect(url_for("accounts.login", next=back))
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    model = {"episode": Episode, "finding": Finding, "agency": Agency}[kind]
    if db.session.get(model, target_id) is None:
        abort(404)
    with unit_of_work():
        if request.form.get("off") == "1":
            unfollow(actor, kind, target_id)
        else:
            follow_target(actor, kind, target_id, now=clock.now())
    return redirect(back)


def _safe_next() -> str | None:
    """A local path to return to (never another site)."""
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else None
