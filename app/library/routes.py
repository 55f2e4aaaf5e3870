"""Pages of the legal library: search, statutes, articles, items with their standards, cases, teaching library."""
from __future__ import annotations

from flask import render_template, request

from app.core import clock
from app.library import queries, services
from app.library.blueprint import bp
from app.library.forms import CaseForm
from app.legal.models import STATUTE_KINDS
from app.library.search import QUERY_MAX
from app.library.services import law_date


@bp.app_context_processor
def _helpers() -> dict:
    """What library templates (and the finding page) use."""
    return {"law_today": lambda: law_date(clock.now()), "statute_kinds": STATUTE_KINDS}


@bp.get("")
def index():
    """The library's front page: one search box, the statutes and the items by domain."""
    return render_template("library/index.html", statutes=queries.statutes(), items=queries.items())


@bp.get("/search")
def search():
    """Ranked search over articles, items and cases, with highlighted hits."""
    q = (request.args.get("q") or "").strip()[:QUERY_MAX]
    kind = request.args.get("kind") or ""
    kinds = {"articles": ("article",), "items": ("item",), "cases": ("case", "finding", "note")}.get(kind)
    results = queries.search_results(q, kinds=kinds) if q else []
    return render_template("library/search.html", q=q, kind=kind, results=results)


@bp.get("/statutes/<int:statute_id>")
def statute(statute_id: int):
    """A statute with its articles."""
    return render_template("library/statute.html", statute=queries.get_statute(statute_id))


@bp.get("/articles/<int:basis_id>")
def article(basis_id: int):
    """An article: its text, the items it is the basis of, and its cases."""
    basis = services.get_basis(basis_id)
    return render_template("library/article.html", basis=basis, cases=queries.cases_of_article(basis_id),
                           typical=queries.typical_cases(basis_id=basis_id),
                           case_form=CaseForm(legal_basis_id=basis_id))


@bp.get("/items/<int:item_id>")
def item(item_id: int):
    """An enforcement item: legal basis, discretion standard, cases."""
    found = queries.get_item(item_id)
    return render_template("library/item.html", item=found, cases=queries.cases_of_item(item_id),
                           typical=queries.typical_cases(item_id=item_id), case_form=CaseForm(item_id=item_id))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/teaching")
def teaching():
    """The teaching library: every recorded case, filtered by domain, agency, item and article."""
    chosen = {"domain": request.args.get("domain") or None, "agency": request.args.get("agency") or None,
              "item_id": _int_arg("item"), "basis_id": _int_arg("article")}
    return render_template("library/teaching.html", cases=queries.teaching(**chosen), chosen=chosen,
                           **queries.teaching_filters())


from app.library import routes_manage  # noqa: E402,F401  (the coordinator's pages on the same blueprint)
