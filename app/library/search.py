"""One search over the library (articles, items, cases) with an engine-specific implementation.

SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34) over the search entries, ranked by
bm25 with the title weighted; trigram cannot match terms shorter than three characters (健康), so
queries with such a term take the portable path. PostgreSQL (and that path): substring match with a
ranking of title hits and number of occurrences, since the test and demo clusters run with the C
locale, where pg_trgm does not make trigrams of Chinese characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import and_, case, func, literal, select, text

from app.extensions import db
from app.legal.models import SearchEntry

QUERY_MAX = 100
TERMS_MAX = 5
LIMIT = 50
SNIPPET = 80
FTS_TABLE = "library_search_fts"


@dataclass
class Hit:
    """One ranked result with its highlighted title and snippet."""

    kind: str
    ref_id: int
    title: Markup
    snippet: Markup


def terms_of(query: str) -> list[str]:
    """The distinct terms of a query (split on spaces, at most five)."""
    seen: list[str] = []
    for term in (query or "")[:QUERY_MAX].split():
        if term.lower() not in [s.lower() for s in seen]:
            seen.append(term)
    return seen[:TERMS_MAX]


def search(query: str, *, kinds: tuple[str, ...] | None = None, limit: int = LIMIT) -> list[Hit]:
    """Ranked, highlighted hits of every term of the query (all terms must occur)."""
    terms = terms_of(query)
    if not terms:
        return []
    if db.engine.dialect.name == "sqlite" and all(len(t) >= 3 for t in terms):
        rows = _sqlite_fts(terms, kinds, limit)
    else:
        rows = _substring(terms, kinds, limit)
    return [Hit(kind, ref_id, highlight(title, terms), snippet(body, terms)) for kind, ref_id, title, body in rows]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _sqlite_fts(terms: list[str], kinds, limit: int) -> list[tuple]:
    match = " AND ".join(_fts_phrase(t) for t in terms)
    kind_filter = ""
    params: dict = {"match": match, "limit": limit}
    if kinds:
        kind_filter = " AND e.kind IN (" + ", ".join(f":k{i}" for i in range(len(kinds))) + ")"
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    sql = text(f"SELECT e.kind, e.ref_id, e.title, e.body FROM {FTS_TABLE} JOIN library_search_entries e "
               f"ON e.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :match{kind_filter} "
               f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), e.id LIMIT :limit")
    return [tuple(r) for r in db.session.execute(sql, params)]


def _like(term: str) -> str:
    return "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _substring(terms: list[str], kinds, limit: int) -> list[tuple]:
    title, body = func.lower(SearchEntry.title), func.lower(SearchEntry.body)
    conditions, score = [], literal(0)
    for term in terms:
        low = term.lower()
        pattern = _like(term)
        conditions.append((title.like(pattern, escape="\\")) | (body.like(pattern, escape="\\")))
        # a title hit outweighs many body hits; then the more often the term occurs, the better
        occurrences = (func.length(body) - func.length(func.replace(body, low, ""))) / len(low)
        score = score + case((title.like(pattern, escape="\\"), 10), else_=0) + occurrences
    query = select(SearchEntry.kind, SearchEntry.ref_id, SearchEntry.title, SearchEntry.body).where(and_(*conditions))
    if kinds:
        query = query.where(SearchEntry.kind.in_(kinds))
    query = query.order_by(score.desc(), func.length(SearchEntry.body), SearchEntry.id).limit(limit)
    return [tuple(r) for r in db.session.execute(query)]


def _pattern(terms: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(value: str, terms: list[str]) -> Markup:
    """The text, escaped, with every occurrence of a term in <mark>."""
    out, last = [], 0
    for found in _pattern(terms).finditer(value or ""):
        out.append(escape(value[last:found.start()]))
        out.append(Markup("<mark>%s</mark>") % found.group(0))
        last = found.end()
    out.append(escape((value or "")[last:]))
    return Markup("").join(out)


def snippet(value: str, terms: list[str], width: int = SNIPPET) -> Markup:
    """About `width` characters around the first hit, highlighted."""
    value = " ".join((value or "").split())
    found = _pattern(terms).search(value)
    start = max(0, (found.start() if found else 0) - width // 3)
    part = value[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(value) else ""
    return Markup(prefix) + highlight(part, terms) + Markup(suffix)


def outside_models(name: str | None, type_: str, _parents: dict) -> bool:
    """Alembic's include_name: the FTS5 table and its shadow tables are made by the migration, not the models."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
