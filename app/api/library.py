"""API: the legal library (执法宝典): statutes and articles, enforcement items and standards, cases, search, import."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.envelope import envelope, errors_doc, ok
from app.api.schemas import AgencyBriefSchema, DomainSchema
from app.core import clock
from app.core.auth import current_actor
from app.core.db import unit_of_work
from app.library import importing, queries, services
from app.legal.models import STATUTE_KINDS
from app.library.search import QUERY_MAX
from app.library.services import law_date

blp = Blueprint("api_library", __name__, url_prefix="/api/v1/library", description="The legal library (执法宝典)")
_alt = errors_doc(blp)


def _repealed(obj) -> bool:
    return obj.is_repealed(law_date(clock.now()))


class ArticleBriefSchema(Schema):
    """An article in lists."""

    id = fields.Integer()
    article = fields.String()
    citation = fields.String()
    repealed = fields.Function(_repealed)
    page_url = fields.Function(lambda b: f"/library/articles/{b.id}")


class StatuteSchema(Schema):
    """A statute with its articles."""

    id = fields.Integer()
    title = fields.String()
    kind = fields.String(metadata={"enum": list(STATUTE_KINDS)})
    issuing_body = fields.String()
    effective_on = fields.Date(allow_none=True)
    repealed_on = fields.Date(allow_none=True)
    repealed = fields.Function(_repealed)
    articles = fields.List(fields.Nested(ArticleBriefSchema))


class CircumstanceSchema(Schema):
    """One circumstance of a discretion standard and its penalty range."""

    id = fields.Integer()
    circumstance = fields.String()
    penalty = fields.String()


class ItemBriefSchema(Schema):
    """An enforcement item in lists."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    domain = fields.Nested(DomainSchema)
    agency = fields.Nested(AgencyBriefSchema)
    page_url = fields.Function(lambda i: f"/library/items/{i.id}")


class CaseSchema(Schema):
    """A recorded case: a finding or live note citing the law, with its replay moment and outcome."""

    kind = fields.String(metadata={"enum": ["finding", "note"]})
    id = fields.Integer()
    episode_id = fields.Function(lambda c: c.episode.id)
    episode_number = fields.Function(lambda c: c.episode.number)
    episode_title = fields.Function(lambda c: c.episode.title)
    text = fields.String()
    offset_seconds = fields.Integer(allow_none=True)
    replay_url = fields.Function(lambda c: f"/episodes/{c.episode.id}"
                                 + (f"#t={c.offset_seconds}" if c.offset_seconds is not None else ""))
    legal_basis_id = fields.Function(lambda c: c.basis.id if c.basis else None, allow_none=True)
    circumstance = fields.Function(lambda c: c.finding.discretion_level.circumstance
                                   if c.finding and c.finding.discretion_level else None, allow_none=True)
    outcome = fields.String(allow_none=True)


class TypicalCaseSchema(Schema):
    """A written typical case."""

    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class ArticleSchema(ArticleBriefSchema):
    """An article with its text, statute, items, cases and typical cases."""

    text = fields.String(attribute="excerpt")
    repealed_on = fields.Date(allow_none=True)
    statute = fields.Function(lambda b: {"id": b.statute.id, "title": b.statute.title, "kind": b.statute.kind})
    items = fields.List(fields.Nested(ItemBriefSchema))
    cases = fields.List(fields.Nested(CaseSchema))
    typical_cases = fields.List(fields.Nested(TypicalCaseSchema))


class ItemSchema(ItemBriefSchema):
    """An item with its legal basis, discretion standard, cases and typical cases."""

    description = fields.String()
    articles = fields.List(fields.Nested(ArticleBriefSchema), attribute="bases")
    circumstances = fields.List(fields.Nested(CircumstanceSchema))
    cases = fields.List(fields.Nested(CaseSchema))
    typical_cases = fields.List(fields.Nested(TypicalCaseSchema))


class ItemListArgs(Schema):
    """Filters of GET /library/items."""

    domain = fields.String(validate=validate.Length(max=40))
    agency = fields.String(validate=validate.Length(max=60))


class SearchArgs(Schema):
    """?q= (required) and kind."""

    q = fields.String(required=True, validate=validate.Length(min=1, max=QUERY_MAX))
    kind = fields.String(validate=validate.OneOf(["articles", "items", "cases"]))


class HitSchema(Schema):
    """A ranked hit; the HTML fields are escaped text with <mark> around the hits."""

    kind = fields.Function(lambda r: r.hit.kind, metadata={"enum": ["article", "item", "case", "finding", "note"]})
    ref_id = fields.Function(lambda r: r.hit.ref_id)
    title_html = fields.Function(lambda r: str(r.hit.title))
    snippet_html = fields.Function(lambda r: str(r.hit.snippet))
    url = fields.Function(lambda r: _url(r))


def _url(result) -> str:
    from flask import url_for

    return url_for(result.endpoint, **result.values) + (f"#{result.anchor}" if result.anchor else "")


class ImportArgs(Schema):
    """Body of POST /library/import: either articles or items (the CSV columns as keys)."""

    articles = fields.List(fields.Dict(), validate=validate.Length(max=5000))
    items = fields.List(fields.Dict(), validate=validate.Length(max=5000))


class ImportReportSchema(Schema):
    """What the import wrote."""

    statutes = fields.Integer()
    articles = fields.Integer()
    items = fields.Integer()


KINDS = {"articles": ("article",), "items": ("item",), "cases": ("case", "finding", "note")}


@blp.get("/statutes")
@blp.response(200, envelope(StatuteSchema, many=True))
def list_statutes():
    """Every statute with its articles (repealed ones marked)."""
    return ok(queries.statutes())


@blp.get("/articles/<int:basis_id>")
@blp.response(200, envelope(ArticleSchema))
@_alt("404")
def get_article(basis_id: int):
    """One article with its text, items, recorded cases and typical cases."""
    basis = services.get_basis(basis_id)
    basis.cases = queries.cases_of_article(basis_id)
    basis.typical_cases = queries.typical_cases(basis_id=basis_id)
    return ok(basis)


@blp.get("/items")
@blp.arguments(ItemListArgs, location="query")
@blp.response(200, envelope(ItemBriefSchema, many=True))
@_alt("422")
def list_items(args: dict):
    """Enforcement items, optionally of one domain (code) or agency (slug)."""
    return ok(queries.items(domain=args.get("domain"), agency=args.get("agency")))


@blp.get("/items/<int:item_id>")
@blp.response(200, envelope(ItemSchema))
@_alt("404")
def get_item(item_id: int):
    """One item with its legal basis, discretion standard and cases."""
    item = queries.get_item(item_id)
    item.cases = queries.cases_of_item(item_id)
    item.typical_cases = queries.typical_cases(item_id=item_id)
    return ok(item)


@blp.get("/search")
@blp.arguments(SearchArgs, location="query")
@blp.response(200, envelope(HitSchema, many=True))
@_alt("422")
def search(args: dict):
    """Ranked search over articles, items and cases (Chinese; all words must occur)."""
    return ok(queries.search_results(args["q"], kinds=KINDS.get(args.get("kind", ""))))


@blp.post("/import")
@blp.arguments(ImportArgs)
@blp.response(201, envelope(ImportReportSchema))
@_alt("401", "403", "422")
def import_library(args: dict):
    """Import articles or items (coordinator): all rows or none; `details.rejected` lists the rejected rows."""
    with unit_of_work():
        report = importing.import_body(current_actor(), args, now=clock.now())
    return ok(report)
