"""Keep the library's search entries in step with what they index, whichever service changed it.

Findings and live notes are written by their own domains; rather than each service remembering
to reindex, flush hooks rewrite the entries of every changed object (a few rows per flush):
after_flush notes the objects, after_flush_postexec (when loading is safe again) writes the entries.
"""
from __future__ import annotations

from sqlalchemy import delete, event, insert
from sqlalchemy.orm import Session

from app.findings.models import Finding
from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis, SearchEntry, Statute, TypicalCase
from app.live.models import LiveNote

TITLE_MAX = 300


def entry_of(obj: object) -> tuple[str, int, str, str] | None:
    """(kind, ref_id, title, body) of an object's search entry, or None when it is not searchable."""
    if isinstance(obj, LegalBasis):
        return "article", obj.id, obj.citation, obj.excerpt
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


PENDING = "library_search_pending"


def _after_flush(session: Session, _context) -> None:
    """Note what changed, without loading anything: loads inside a flush would put stale objects in the map."""
    changed, dropped = session.info.setdefault(PENDING, ([], set()))
    changed.extend(obj for obj in list(session.new) + list(session.dirty)
                   if isinstance(obj, (DiscretionLevel, Statute)) or type(obj) in KIND_OF)
    dropped.update((KIND_OF[type(obj)], obj.id) for obj in session.deleted if type(obj) in KIND_OF)
    dropped.update(("item", obj.item_id) for obj in session.deleted if isinstance(obj, DiscretionLevel))


def _after_flush_postexec(session: Session, _context) -> None:
    """Rewrite the entries of what the flush changed, once the session is consistent again."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    with session.no_autoflush:
        _rewrite(session, *pending)


def _rewrite(session: Session, noted: list, dropped: set) -> None:
    changed = {}
    for obj in noted:
        if isinstance(obj, DiscretionLevel):
            targets = [session.get(EnforcementItem, obj.item_id)] if obj.item_id else []
        elif isinstance(obj, Statute):
            targets = list(obj.articles)
        else:
            targets = [obj]
        for target in targets:
            if target is not None and target.id is not None:
                changed[KIND_OF[type(target)], target.id] = target
    keys = set(changed) | dropped
    if not keys:
        return
    connection = session.connection()
    for kind, ref_id in keys:
        connection.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.ref_id == ref_id))
    entries = []
    for key, obj in changed.items():
        entry = entry_of(obj) if key not in dropped else None
        if entry:
            kind, ref_id, title, body = entry
            entries.append({"kind": kind, "ref_id": ref_id, "title": title[:TITLE_MAX], "body": body})
    if entries:
        connection.execute(insert(SearchEntry), entries)


def install() -> None:
    """Register the hook on every session (once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
        event.listen(Session, "after_rollback", lambda session: session.info.pop(PENDING, None))


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
