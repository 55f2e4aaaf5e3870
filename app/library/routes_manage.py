"""The coordinator's library pages: add and correct articles, import files, write typical cases."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.core.errors import DomainError
from app.library import importing, queries, services
from app.library.forms import ArticleEditForm, ArticleForm, CaseForm, DeleteForm, ImportForm
from app.library.blueprint import bp


def _coordinator():
    actor = current_actor()
    services.require_coordinator(actor)
    return actor


def _manage_page(form=None, import_form=None, report=None, rejected=None, status: int = 200):
    return render_template("library/manage.html", form=form or ArticleForm(), import_form=import_form or ImportForm(),
                           bases=queries.all_bases(), delete_form=DeleteForm(), report=report,
                           rejected=rejected or []), status


@bp.route("/manage", methods=["GET", "POST"])
@login_required
def manage():
    """The catalogue (coordinator): every article, add one, import a file."""
    actor = _coordinator()
    form = ArticleForm()
    if request.method == "GET":
        return _manage_page(form)
    if not form.validate_on_submit():
        return _manage_page(form, status=422)
    try:
        with unit_of_work():
            services.create_basis(actor, statute=form.statute.data, article=form.article.data,
                                  excerpt=form.excerpt.data or "", now=clock.now())
    except DomainError as error:
        form.form_errors.append(str(error.message))
        return _manage_page(form, status=error.status)
    flash(_("The legal basis was added."), "success")
    return redirect(url_for("library.manage"))


@bp.post("/import")
@login_required
def import_file():
    """Import statutes and articles, or items, from a CSV or JSON file (whole or not at all)."""
    actor = _coordinator()
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose a file.")]
        return _manage_page(import_form=form, status=422)
    try:
        kind, rows, first = importing.parse(upload.read(), upload.filename)
        with unit_of_work():
            report = importing.import_rows(actor, kind, rows, now=clock.now(), first_row=first)
    except DomainError as error:
        form.form_errors.append(str(error.message))
        return _manage_page(import_form=form, rejected=error.details.get("rejected"), status=error.status)
    flash(_("Imported: %(s)s new statutes, %(a)s articles, %(i)s items.", s=report.statutes, a=report.articles,
            i=report.items), "success")
    return redirect(url_for("library.manage"))


@bp.route("/articles/<int:basis_id>/edit", methods=["GET", "POST"])
@login_required
def edit_article(basis_id: int):
    """Correct an article or mark it repealed (coordinator)."""
    actor = _coordinator()
    basis = services.get_basis(basis_id)
    form, status = ArticleEditForm(obj=basis), 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_basis(actor, basis_id, article=form.article.data, excerpt=form.excerpt.data or "",
                                      repealed_on=form.repealed_on.data, now=clock.now())
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            flash(_("The legal basis was saved."), "success")
            return redirect(url_for("library.article", basis_id=basis_id))
    elif request.method == "POST":
        status = 422
    return render_template("library/article_edit.html", form=form, basis=basis), status


@bp.post("/articles/<int:basis_id>/delete")
@login_required
def delete_article(basis_id: int):
    """Remove an article nothing cites (coordinator)."""
    actor = _coordinator()
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work():
            services.delete_basis(actor, basis_id, now=clock.now())
    except DomainError as error:
        if error.status != 409:
            raise
        flash(str(error.message), "error")
    else:
        flash(_("The legal basis was removed."), "success")
    return redirect(url_for("library.manage"))


@bp.post("/cases")
@login_required
def add_case():
    """Write a typical case on an article or an item (coordinator)."""
    actor = _coordinator()
    form = CaseForm()
    if not form.validate_on_submit():
        flash(_("Give the case a title and a text."), "error")
    else:
        try:
            with unit_of_work():
                case = services.add_typical_case(actor, title=form.title.data, body=form.body.data,
                                                 legal_basis_id=form.legal_basis_id.data, item_id=form.item_id.data,
                                                 now=clock.now())
        except DomainError as error:
            if error.status in (403, 404):
                raise
            flash(str(error.message), "error")
        else:
            flash(_("The typical case was added."), "success")
            target = url_for("library.item", item_id=case.item_id) if case.item_id else \
                url_for("library.article", basis_id=case.legal_basis_id)
            return redirect(target + f"#case-{case.id}")
    if form.item_id.data:
        return redirect(url_for("library.item", item_id=form.item_id.data))
    if form.legal_basis_id.data:
        return redirect(url_for("library.article", basis_id=form.legal_basis_id.data))
    return redirect(url_for("library.index"))
