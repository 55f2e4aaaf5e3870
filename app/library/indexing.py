"""Keep the library's search entries in step with what they index, whichever service changed it.

Findings and live notes are written by their own domains; rather than each service remembering
to reindex, one after-flush hook rewrites the entries of every changed object (a few rows per flush).
"""
from __future__ import annotations

from sqlalchemy import delete, event, insert
from sqlalchemy.orm import Session

from app.findings.models import Finding
from app.library.models import DiscretionLevel, EnforcementItem, LegalBasis, SearchEntry, Statute, TypicalCase
from app.live.models import LiveNote

TITLE_MAX = 300


def entry_of(obj: object) -> tuple[str, int, str, str] | None:
    """(kind, ref_id, title, body) of an object's search entry, or None when it is not searchable."""
    if isinstance(obj, LegalBasis):
        statute = obj.statute
        return "article", obj.id, obj.citation, f"{obj.excerpt}\n{statute.issuing_body}"
    if isinstance(obj, EnforcementItem):
        levels = "\n".join(f"{lv.circumstance}：{lv.penalty}" for lv in obj.circumstances)
        return "item", obj.id, f"{obj.code} {obj.name}", f"{obj.description}\n{levels}"
    if isinstance(obj, TypicalCase):
        return "case", obj.id, obj.title, obj.body
    if isinstance(obj, Finding):
        if obj.legal_basis_id is None and obj.enforcement_item_id is None:
            return None
        return "finding", obj.id, obj.party_name, obj.description
    if isinstance(obj, LiveNote):
        if obj.legal_basis_id is None:
            return None
        return "note", obj.id, obj.legal_basis.citation if obj.legal_basis else "", obj.body
    return None


KIND_OF = {LegalBasis: "article", EnforcementItem: "item", TypicalCase: "case", Finding: "finding", LiveNote: "note"}


def _affected(session: Session) -> tuple[set, set]:
    """Objects whose entries must be rewritten, and (kind, id) pairs to drop."""
    changed, dropped = set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, DiscretionLevel) and obj.item is not None:
            changed.add(obj.item)
        elif isinstance(obj, Statute):
            changed.update(obj.articles)
        elif type(obj) in KIND_OF:
            changed.add(obj)
    for obj in session.deleted:
        if isinstance(obj, DiscretionLevel) and obj.item is not None and obj.item not in session.deleted:
            changed.add(obj.item)
        elif type(obj) in KIND_OF and obj.id is not None:
            dropped.add((KIND_OF[type(obj)], obj.id))
    return changed, dropped


def _after_flush(session: Session, _context) -> None:
    # lazy loads below must not start a flush of their own (the session still lists what it just flushed)
    with session.no_autoflush:
        _rewrite(session)


def _rewrite(session: Session) -> None:
    changed, dropped = _affected(session)
    if not changed and not dropped:
        return
    connection = session.connection()
    for obj in changed:
        if obj.id is None:
            continue
        dropped.add((KIND_OF[type(obj)], obj.id))
    for kind, ref_id in dropped:
        connection.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref_id == ref_id))
    entries = {}
    for obj in changed:
        entry = entry_of(obj) if obj.id is not None and obj not in session.deleted else None
        if entry:
            kind, ref_id, title, body = entry
            entries[kind, ref_id] = {"kind": kind, "ref_id": ref_id, "title": title[:TITLE_MAX], "body": body}
    if entries:
        connection.execute(insert(SearchEntry), list(entries.values()))


def install() -> None:
    """Register the hook on every session (once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def reindex(session: Session) -> int:
    """Rebuild every entry from the tables (after an import of old data, or by `flask library reindex`)."""
    from sqlalchemy import select

    session.execute(delete(SearchEntry))
    rows = []
    for model in (LegalBasis, EnforcementItem, TypicalCase, Finding, LiveNote):
        for obj in session.scalars(select(model)):
            entry = entry_of(obj)
            if entry:
                kind, ref_id, title, body = entry
                rows.append({"kind": kind, "ref_id": ref_id, "title": title[:TITLE_MAX], "body": body})
    if rows:
        session.execute(insert(SearchEntry), rows)
    return len(rows)
