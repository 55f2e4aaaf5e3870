"""Import statutes with their articles, and enforcement items with their standards, from CSV or JSON.

Every row is checked; if any row is rejected the import raises import_rejected with the list of
rejected rows and why, and the unit of work rolls back: a file is imported whole or not at all. Rows name existing statutes and items to update them.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.agencies.models import Agency, Domain
from app.core.auth import Actor
from app.core.errors import ValidationFailed
from app.extensions import db
from app.library import services
from app.legal.models import STATUTE_KINDS, DiscretionLevel, EnforcementItem, LegalBasis, Statute
from app.notifications.services import audit
from app.findings.models import Finding

MAX_BYTES = 2 * 1024 * 1024
ARTICLE_COLUMNS = ("statute", "kind", "issuing_body", "effective_on", "repealed_on", "article", "text",
                   "article_repealed_on")
ITEM_COLUMNS = ("code", "name", "domain", "agency", "description", "articles", "circumstances")


@dataclass
class Report:
    """What an import did, or why it did nothing."""

    statutes: int = 0
    articles: int = 0
    items: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing was rejected (and so everything was written)."""
        return not self.rejected


def parse(data: bytes, filename: str) -> tuple[str, list[dict], int]:
    """("articles" | "items", rows, number of the first row) of a CSV or JSON upload."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 2 MB."), code="import_too_large")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file is not UTF-8 text."), code="import_not_utf8") from None
    if filename.lower().endswith(".json") or content.lstrip().startswith(("{", "[")):
        return (*_parse_json(content), 1)
    reader = csv.DictReader(io.StringIO(content))
    header = {name.strip() for name in reader.fieldnames or ()}
    rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    if {"code", "name", "circumstances"} <= header:
        return "items", rows, 2
    if {"statute", "article"} <= header:
        return "articles", rows, 2
    raise ValidationFailed(_("The CSV header names neither articles (statute, article, …) nor items "
                             "(code, name, circumstances, …)."), code="import_header_invalid")


def _parse_json(content: str) -> tuple[str, list[dict]]:
    try:
        body = json.loads(content)
    except json.JSONDecodeError as error:
        raise ValidationFailed(_("The JSON is not valid (line %(n)s).", n=error.lineno), code="import_json_invalid") from None
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return "items", body["items"]
    if isinstance(body, dict) and isinstance(body.get("articles"), list):
        return "articles", body["articles"]
    raise ValidationFailed(_('The JSON must be {"articles": [...]} or {"items": [...]}.'), code="import_json_invalid")


def _date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("%(name)s is not a date (YYYY-MM-DD).", name=name)) from None


def _text(row: dict, name: str, limit: int, required: bool = True) -> str:
    value = row.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValueError(_("%(name)s is missing.", name=name))
    if len(value) > limit:
        raise ValueError(_("%(name)s is longer than %(n)s characters.", name=name, n=limit))
    return value


def _article_row(row: dict, now: datetime, report: Report) -> None:
    kind = _text(row, "kind", 20, required=False) or None
    if kind is not None and kind not in STATUTE_KINDS:
        raise ValueError(_("kind must be one of %(kinds)s.", kinds=", ".join(STATUTE_KINDS)))
    title = _text(row, "statute", 120)
    existed = db.session.scalar(select(Statute).where(Statute.title == title))
    # empty cells leave an existing statute's details as they are
    statute = services.statute_named(title, kind=kind, issuing_body=_text(row, "issuing_body", 120, False) or None,
                                     effective_on=_date(row.get("effective_on"), "effective_on"),
                                     repealed_on=_date(row.get("repealed_on"), "repealed_on"), now=now)
    report.statutes += existed is None
    db.session.flush()
    number = _text(row, "article", 40)
    basis = db.session.scalar(select(LegalBasis).where(LegalBasis.statute_id == statute.id,
                                                       LegalBasis.article == number))
    if basis is None:
        basis = LegalBasis(statute=statute, article=number, created_at=now)
        db.session.add(basis)
    basis.excerpt = _text(row, "text", 4000, required=False)
    basis.repealed_on = _date(row.get("article_repealed_on"), "article_repealed_on")
    report.articles += 1


def _citations(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _find_article(citation: str) -> LegalBasis:
    """An article named as 《statute》article."""
    title, _sep, number = citation.partition("》")
    basis = db.session.scalar(select(LegalBasis).join(Statute).where(Statute.title == title + "》",
                                                                     LegalBasis.article == number.strip()))
    if basis is None:
        raise ValueError(_("No such article in the catalogue: %(c)s", c=citation))
    return basis


def _levels(value) -> list[tuple[str, str]]:
    if isinstance(value, list):
        pairs = [(str(v.get("circumstance", "")), str(v.get("penalty", ""))) if isinstance(v, dict) else ("", "")
                 for v in value]
    else:
        pairs = [tuple(part.split("=", 1)) if "=" in part else (part, "") for part in str(value or "").split("|")]
    pairs = [(c.strip(), p.strip()) for c, p in pairs]
    if not pairs or any(not c or not p or len(c) > 120 or len(p) > 500 for c, p in pairs):
        raise ValueError(_("Each circumstance needs a name (up to 120 characters) and a penalty range (up to 500)."))
    return pairs


def _item_row(row: dict, now: datetime, report: Report) -> None:

    code = _text(row, "code", 40)
    domain = db.session.scalar(select(Domain).where(Domain.code == _text(row, "domain", 40)))
    agency = db.session.scalar(select(Agency).where(Agency.slug == _text(row, "agency", 60)))
    if domain is None or agency is None:
        raise ValueError(_("Unknown domain or agency (use the domain code and the agency slug)."))
    bases = [_find_article(c) for c in _citations(row.get("articles"))]
    levels = _levels(row.get("circumstances"))
    item = db.session.scalar(select(EnforcementItem).where(EnforcementItem.code == code))
    if item is None:
        item = EnforcementItem(code=code, created_at=now)
        db.session.add(item)
    item.name, item.description = _text(row, "name", 200), _text(row, "description", 4000, required=False)
    item.domain_id, item.agency_id, item.bases = domain.id, agency.id, bases
    for position, (circumstance, penalty) in enumerate(levels):  # same position, same circumstance: kept in place
        if position < len(item.circumstances):
            item.circumstances[position].circumstance = circumstance
            item.circumstances[position].penalty = penalty
        else:
            item.circumstances.append(DiscretionLevel(position=position, circumstance=circumstance, penalty=penalty))
    for level in item.circumstances[len(levels):]:
        if level.id is not None and db.session.scalar(
                select(Finding.id).where(Finding.discretion_level_id == level.id).limit(1)) is not None:
            raise ValueError(_("Findings applied the circumstance “%(c)s”; keep it.", c=level.circumstance))
    del item.circumstances[len(levels):]
    db.session.flush()
    report.items += 1


def import_rows(actor: Actor, kind: str, rows: list, *, now: datetime, first_row: int = 1) -> Report:
    """Write every row, or raise import_rejected listing each rejected row (the caller's unit of work
    then rolls back whatever the good rows wrote, so nothing is half-imported)."""
    services.require_coordinator(actor)
    report = Report()
    handler = _item_row if kind == "items" else _article_row
    if not rows:
        raise ValidationFailed(_("The file has no rows."), code="import_empty")
    for number, row in enumerate(rows, start=first_row):
        try:
            if not isinstance(row, dict):
                raise ValueError(_("The row is not an object."))
            handler(row, now, report)
        except (ValueError, ValidationFailed) as error:
            report.rejected.append((number, str(getattr(error, "message", error))))
    if report.rejected:
        raise ValidationFailed(_("%(n)s rows were rejected; nothing was imported.", n=len(report.rejected)),
                               code="import_rejected",
                               details={"rejected": [{"row": n, "reason": r} for n, r in report.rejected]})
    audit(actor, "library.import", "library", None, now=now,
          data={"kind": kind, "statutes": report.statutes, "articles": report.articles, "items": report.items})
    return report


def import_body(actor: Actor, body: dict, *, now: datetime) -> Report:
    """The API's JSON body: exactly one of `articles` or `items` (the coordinator's right checked first)."""
    services.require_coordinator(actor)
    kinds = [k for k in ("articles", "items") if k in body]
    if len(kinds) != 1:
        raise ValidationFailed(_("Send either articles or items."), code="import_json_invalid")
    return import_rows(actor, kinds[0], body[kinds[0]], now=now)
