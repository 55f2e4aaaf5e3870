"""Party pages: the public register and record, the coordinator's editing, merging and reviews."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from app.agencies.queries import all_domains
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.core.i18n import current_lang
from app.extensions import db
from app.parties import queries, routes_code, routes_complaints, services  # noqa: F401 (more views on bp)
from app.parties.blueprint import bp
from app.parties.forms import ButtonForm, MergeForm, PartyForm, ReviewForm

PER_PAGE = 30


@bp.app_context_processor
def _statements_helper() -> dict:
    """party_statements(finding_id) for the finding page: its published party statements."""
    return {"party_statements": lambda finding_id: queries.published_statements([finding_id]).get(finding_id, [])}


@bp.route("/parties")
def index():
    """The register: every inspected party with a public inspection; search by name or credit code."""
    q = request.args.get("q", "")
    page = db.paginate(queries.register(q), page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    counts = queries.inspection_counts([p.id for p in page.items])
    return render_template("parties/index.html", page=page, q=q, counts=counts)


@bp.route("/parties/<int:party_id>")
def detail(party_id: int):
    """A party's public record: inspections, findings, follow-ups, its statements, the repeat alert."""
    party = services.get_party(party_id)
    if party.merged_into_id is not None:
        return redirect(url_for("parties.detail", party_id=services.current_record(party).id), 301)
    now = clock.now()
    record = queries.party_record(party, now)
    if not record.inspections and not current_actor().is_coordinator:
        abort(404)  # a party is public once one of its inspections is
    actor = current_actor()
    from app.parties.codes import may_issue

    return render_template("parties/detail.html", r=record, now=now, button=ButtonForm(),
                           is_coordinator=actor.is_coordinator,
                           may_issue=lambda inspection: actor.is_authenticated and may_issue(actor, inspection))


def _domain_choices(form: PartyForm) -> PartyForm:
    form.domain_id.choices = [SelectChoice(0, "—")] + [SelectChoice(d.id, d.name(current_lang()))
                                                       for d in all_domains()]
    return form


def _edit_page(party, form: PartyForm, merge: MergeForm, error: str | None = None, status: int = 200):
    _domain_choices(form)
    return render_template("parties/edit.html", party=party, form=form, merge=merge, error=error), status


@bp.route("/parties/<int:party_id>/edit", methods=["GET", "POST"])
@login_required
def edit(party_id: int):
    """The coordinator edits a record (name, credit code, address, domain)."""
    actor = current_actor()
    services.require_coordinator(actor)
    party = services.get_party(party_id)
    form = PartyForm(obj=party) if request.method == "GET" else PartyForm()
    if request.method == "GET":
        form.domain_id.data = party.domain_id or 0
        return _edit_page(party, form, MergeForm())
    _domain_choices(form)  # before validation
    if not form.validate_on_submit():
        return _edit_page(party, form, MergeForm(formdata=None), _("Please check the form."), 422)
    try:
        with unit_of_work():
            services.update_party(actor, party.id, now=clock.now(), name=form.name.data,
                                  credit_code=form.credit_code.data, address=form.address.data,
                                  domain_id=form.domain_id.data or None)
    except DomainError as error:
        db.session.expire_all()
        return _edit_page(services.get_party(party_id), form, MergeForm(formdata=None), str(error.message),
                          error.status)
    flash(_("The record was saved."), "success")
    return redirect(url_for("parties.detail", party_id=party.id))


@bp.post("/parties/<int:party_id>/merge")
@login_required
def merge(party_id: int):
    """The coordinator merges a duplicate record into this one."""
    actor = current_actor()
    services.require_coordinator(actor)
    party = services.get_party(party_id)
    form = MergeForm()
    if not form.validate_on_submit() or not form.duplicate_id.data:
        return _edit_page(party, PartyForm(obj=party, formdata=None), form,
                          _("Enter the number of the duplicate record."), 422)
    try:
        with unit_of_work():
            services.merge(actor, party.id, form.duplicate_id.data, now=clock.now(), reason=form.reason.data or "")
    except DomainError as error:
        db.session.expire_all()
        return _edit_page(party, PartyForm(obj=party, formdata=None), form, str(error.message), error.status)
    flash(_("The records were merged."), "success")
    return redirect(url_for("parties.detail", party_id=party.id))


@bp.route("/parties/statements")
@login_required
def statements():
    """The coordinator's review queue: parties' statements, and the latest answers with ratings."""
    services.require_coordinator(current_actor())
    pending = db.session.scalars(queries.pending_statements().limit(100)).all()
    return render_template("parties/statements.html", pending=pending, review=ReviewForm(),
                           answers=queries.answered_inspections())


@bp.post("/parties/statements/<int:statement_id>/review")
@login_required
def review(statement_id: int):
    """Publish or reject one statement."""
    actor = current_actor()
    services.require_coordinator(actor)
    form = ReviewForm()
    if not form.validate_on_submit() or form.decision.data not in ("publish", "reject"):
        services.get_statement(statement_id)
        flash(_("Choose to publish or not."), "error")
        return redirect(url_for("parties.statements"))
    try:
        with unit_of_work():
            services.review_statement(actor, statement_id, publish=form.decision.data == "publish",
                                      now=clock.now(), reason=form.reason.data or "")
    except DomainError as error:
        if error.status == 404:
            raise
        db.session.expire_all()
        flash(str(error.message), "error")
        return redirect(url_for("parties.statements"))
    flash(_("Published beside the finding.") if form.decision.data == "publish" else _("Not published."), "success")
    return redirect(url_for("parties.statements"))
