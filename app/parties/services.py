"""The party register: linking findings to parties, editing, merging duplicates, reviewing statements.

Rules (docs/parties.md): a finding links to the party whose normalised name it gives (a new record
otherwise); only the coordinator edits or merges records and reviews the party's statements; a
merged duplicate keeps its id and points to the record it went into, so old links still work.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.episodes.models import Episode
from app.extensions import db
from app.findings import services as findings_services
from app.findings.models import Finding
from app.notifications.services import audit
from app.parties import alerts
from app.parties.models import Inspection, PartyCode, Party, PartyStatement
from app.parties.names import clean_credit_code, name_key


def require_coordinator(actor: Actor) -> None:
    """Refuse anyone but the coordinator (and admins)."""
    require_login(actor)
    if not actor.is_coordinator:
        raise NotAllowed(_l("Only the coordinator can do this."), code="party_coordinator_only")


def get_party(party_id: int) -> Party:
    """A party record (merged ones too: callers follow merged_into_id), or party_not_found."""
    party = db.session.get(Party, party_id)
    if party is None:
        raise NotFound(_l("No such inspected party."), code="party_not_found")
    return party


def current_record(party: Party) -> Party:
    """The record a merged duplicate went into (itself when not merged)."""
    seen = set()
    while party.merged_into_id is not None and party.id not in seen:
        seen.add(party.id)
        party = db.session.get(Party, party.merged_into_id)
    return party


def party_for_name(name: str, *, address: str, domain_id: int | None, now: datetime) -> Party:
    """The register's record for a name as typed on a finding; a new record when none matches."""
    key = name_key(name)
    party = db.session.scalar(select(Party).where(Party.name_key == key).order_by(Party.id).limit(1))
    if party is not None:
        return current_record(party)
    party = Party(name=name.strip(), name_key=key, address=address, domain_id=domain_id, created_at=now)
    db.session.add(party)
    db.session.flush()
    return party


def inspection_for(party: Party, episode: Episode, *, now: datetime) -> Inspection:
    """The inspection of party in episode, made on first need (and checked against the repeat limit)."""
    inspection = db.session.scalar(select(Inspection).where(Inspection.party_id == party.id,
                                                            Inspection.episode_id == episode.id))
    if inspection is None:
        inspection = Inspection(party_id=party.id, episode_id=episode.id,
                                inspected_at=episode.live_at or episode.scheduled_start or now, created_at=now)
        db.session.add(inspection)
        db.session.flush()
        alerts.check(inspection, now=now)
    return inspection


def link_finding(finding: Finding, episode: Episode, *, now: datetime) -> Party:
    """Link a new finding to its party's record and record the inspection."""
    party = party_for_name(finding.party_name, address=finding.party_address, domain_id=finding.domain_id, now=now)
    finding.party_id = party.id
    inspection_for(party, episode, now=now)
    return party


if link_finding not in findings_services.RECORD_HOOKS:  # every recorded finding gets its party (once per process)
    findings_services.RECORD_HOOKS.append(link_finding)


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_l("Enter the party's name."), code=f"party_{field}_required",
                               details={"fields": {field: ["required"]}})
    if len(value) > limit:
        raise ValidationFailed(_l("This text is too long (at most %(n)s characters).", n=limit),
                               code=f"party_{field}_too_long", details={"fields": {field: ["too long"]}})
    return value


def update_party(actor: Actor, party_id: int, *, now: datetime, **fields) -> Party:
    """Change a record's name, credit code, address or domain (only the given fields)."""
    require_coordinator(actor)
    party = get_party(party_id)
    if party.merged_into_id is not None:
        raise Conflict(_l("This record was merged into another; edit that one."), code="party_merged")
    if "name" in fields:
        party.name = _text(fields["name"], "name", 120, required=True)
        party.name_key = name_key(party.name)
    if "address" in fields:
        party.address = _text(fields["address"], "address", 200)
    if "credit_code" in fields:
        code = clean_credit_code(fields["credit_code"])
        other = code and db.session.scalar(select(Party).where(Party.credit_code == code, Party.id != party.id))
        if other:
            raise Conflict(_l("Another record (%(name)s) has this credit code: merge the two instead.",
                              name=other.name), code="credit_code_taken", details={"party_id": other.id})
        party.credit_code = code
    if "domain_id" in fields:
        from app.agencies.models import Domain

        if fields["domain_id"] is not None and db.session.get(Domain, fields["domain_id"]) is None:
            raise ValidationFailed(_l("Choose a domain."), code="party_domain_invalid",
                                   details={"fields": {"domain_id": ["invalid"]}})
        party.domain_id = fields["domain_id"]
    db.session.flush()
    audit(actor, "party.update", "party", party.id, now=now, data={"fields": sorted(fields)})
    return party


def merge(actor: Actor, keep_id: int, duplicate_id: int, *, now: datetime, reason: str = "") -> Party:
    """Merge a duplicate record into keep: its findings, inspections, codes and statements move over."""
    require_coordinator(actor)
    if keep_id == duplicate_id:
        raise ValidationFailed(_l("Choose two different records."), code="party_merge_same")
    keep, duplicate = get_party(keep_id), get_party(duplicate_id)
    if keep.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise Conflict(_l("One of these records was already merged."), code="party_merged")
    if keep.credit_code and duplicate.credit_code and keep.credit_code != duplicate.credit_code:
        raise Conflict(_l("The two records have different credit codes: they are different parties."),
                       code="party_merge_codes_differ")
    db.session.execute(update(Finding).where(Finding.party_id == duplicate.id).values(party_id=keep.id))
    kept = {i.episode_id: i for i in db.session.scalars(select(Inspection).where(Inspection.party_id == keep.id))}
    for inspection in db.session.scalars(select(Inspection).where(Inspection.party_id == duplicate.id)).all():
        target = kept.get(inspection.episode_id)
        if target is None:
            inspection.party_id = keep.id
            continue
        # both records were inspected in this episode: one inspection, the party's answer kept if any
        for model in (PartyCode, PartyStatement):
            db.session.execute(update(model).where(model.inspection_id == inspection.id)
                               .values(inspection_id=target.id))
        if target.party_responded_at is None and inspection.party_responded_at is not None:
            for name in ("party_responded_at", "took_place", "conduct_standard", "conduct_civil"):
                setattr(target, name, getattr(inspection, name))
        db.session.delete(inspection)
    if not keep.credit_code and duplicate.credit_code:
        keep.credit_code, duplicate.credit_code = duplicate.credit_code, None
        db.session.flush()
    keep.address = keep.address or duplicate.address
    keep.domain_id = keep.domain_id or duplicate.domain_id
    duplicate.merged_into_id = keep.id
    db.session.flush()
    latest = db.session.scalar(select(Inspection).where(Inspection.party_id == keep.id)
                               .order_by(Inspection.inspected_at.desc()).limit(1))
    if latest is not None:
        alerts.check(latest, now=now)
    audit(actor, "party.merge", "party", keep.id, now=now, reason=reason or None,
          data={"duplicate_id": duplicate.id})
    return keep


def get_statement(statement_id: int) -> PartyStatement:
    """A party statement, or party_statement_not_found."""
    statement = db.session.get(PartyStatement, statement_id)
    if statement is None:
        raise NotFound(_l("No such statement."), code="party_statement_not_found")
    return statement


def review_statement(actor: Actor, statement_id: int, *, publish: bool, now: datetime,
                     reason: str = "") -> PartyStatement:
    """Publish a party's statement beside its finding, or reject it with a reason (once)."""
    require_coordinator(actor)
    statement = get_statement(statement_id)
    if statement.state != "pending":
        raise Conflict(_l("This statement was already reviewed."), code="party_statement_reviewed")
    reason = (reason or "").strip()
    if not publish and not reason:
        raise ValidationFailed(_l("Give a reason for not publishing."), code="party_statement_reason_required",
                               details={"fields": {"reason": ["required"]}})
    if len(reason) > 500:
        raise ValidationFailed(_l("This text is too long (at most %(n)s characters).", n=500),
                               code="party_statement_reason_too_long")
    statement.state = "published" if publish else "rejected"
    statement.reviewed_at, statement.reviewed_by_id, statement.review_reason = now, actor.user_id, reason or None
    db.session.flush()
    audit(actor, "party_statement." + statement.state, "party_statement", statement.id, now=now,
          reason=reason or None)
    return statement
