"""The one-time code: issuing it (QR and short link) and the party's page /p/<code>, without an account."""
from __future__ import annotations

import io

import qrcode
from flask import abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock, ratelimit
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError, RateLimited
from app.extensions import db
from app.parties import codes
from app.parties.forms import AnswerForm, ButtonForm
from app.parties.blueprint import bp


def _limit() -> None:
    """Count one code attempt from this address (bad codes included): guessing stays hopeless."""
    if not ratelimit.hit(current_app.config["PARTY_CODE_RATE_IP"], "party_code", request.remote_addr or "-"):
        raise RateLimited(code="party_code_rate_limited")


def _error_page(error: DomainError):
    return render_template("parties/code_error.html", error=error), error.status


@bp.post("/inspections/<int:inspection_id>/code")
@login_required
def issue_code(inspection_id: int):
    """The coordinator or the inspecting agency issues a new code; it is shown this once."""
    actor = current_actor()
    if not ButtonForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        code, plain = codes.issue(actor, inspection_id, now=clock.now())
    inspection = codes.get_inspection(inspection_id)
    return render_template("parties/code_issued.html", inspection=inspection, code=code, plain=plain,
                           link=url_for("parties.answer", code=plain, _external=True)), 201


@bp.route("/p/<code>/qr.png")
def qr(code: str):
    """The QR code of the short link (only for a code that can still be used)."""
    _limit()
    try:
        codes.usable(code, now=clock.now())
    except DomainError as error:
        return _error_page(error)
    image = qrcode.make(url_for("parties.answer", code=codes.normalise(code), _external=True), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    response = send_file(buffer, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/p/<code>", methods=["GET", "POST"])
def answer(code: str):
    """The party confirms the inspection, rates the officers and leaves statements on the findings."""
    _limit()
    now = clock.now()
    try:
        record = codes.usable(code, now=now)
    except DomainError as error:
        return _error_page(error)
    inspection = record.inspection
    findings = codes.findings_of(inspection)
    form = AnswerForm()
    texts = {f.id: request.form.get(f"statement_{f.id}", "") for f in findings}
    if request.method == "GET":
        return _answer_page(inspection, findings, form, texts, record)
    if not form.validate_on_submit() or form.took_place.data not in ("yes", "no"):
        return _answer_page(inspection, findings, form, texts, record, _("Say whether the inspection took place."),
                            422)
    answer_ = codes.Answer(took_place=form.took_place.data == "yes",
                           conduct_standard=int(form.conduct_standard.data) if form.conduct_standard.data else None,
                           conduct_civil=int(form.conduct_civil.data) if form.conduct_civil.data else None,
                           statements=texts)
    try:
        with unit_of_work():
            codes.redeem(code, answer_, now=now)
    except DomainError as error:
        db.session.expire_all()
        if error.code.startswith("party_code_"):
            return _error_page(error)
        return _answer_page(inspection, findings, form, texts, record, str(error.message), error.status)
    return render_template("parties/answered.html", inspection=inspection, statements=sum(1 for t in texts.values()
                                                                                          if t.strip()))


def _answer_page(inspection, findings, form, texts, record, error: str | None = None, status: int = 200):
    return render_template("parties/answer.html", inspection=inspection, findings=findings, form=form,
                           texts=texts, expires_at=record.expires_at, error=error), status
