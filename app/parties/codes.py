"""One-time party codes (QR and short link): issuing, checking and redeeming.

A code is 10 characters from a 32-letter alphabet without look-alikes (2^50 values);
only its SHA-256 is stored, so the code is shown once, to the issuer. It expires after
PARTY_CODE_DAYS days, is used once (the party's whole answer is one submission), and issuing a
new code for the same inspection revokes the old one. Attempts are rate-limited per address
in the routes.
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.auth import Actor, require_login
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.extensions import db
from app.findings.models import Finding
from app.notifications.services import audit, notify
from app.parties.models import RATING_RANGE, Inspection, PartyCode, PartyStatement

#: No 0, 1, I or O: nothing to misread on a printed slip.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10
STATEMENT_LIMIT = 2000


def normalise(code: str) -> str:
    """What the party typed, as stored: half-width, upper case, without spaces or dashes."""
    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in text if ch.isalnum())[:32]


def code_hash(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def may_issue(actor: Actor, inspection: Inspection) -> bool:
    """The coordinator, or staff of an agency taking part in the inspection's episode."""
    from app.findings.services import participating_agency_ids

    if actor.is_coordinator:
        return True
    return actor.role == "agency_staff" and actor.agency_id in participating_agency_ids(inspection.episode_id)


def get_inspection(inspection_id: int) -> Inspection:
    """An inspection, or inspection_not_found."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(_l("No such inspection."), code="inspection_not_found")
    return inspection


def issue(actor: Actor, inspection_id: int, *, now: datetime) -> tuple[PartyCode, str]:
    """A new code for the inspection's party (earlier unused codes are revoked); the plain code once."""
    require_login(actor)
    inspection = get_inspection(inspection_id)
    if not may_issue(actor, inspection):
        raise NotAllowed(_l("Only the coordinator or an agency taking part in this episode may issue a code."),
                         code="party_code_not_allowed")
    if inspection.party_responded_at is not None:
        raise Conflict(_l("The party has already answered for this inspection."), code="party_already_answered")
    db.session.execute(update(PartyCode).where(PartyCode.inspection_id == inspection.id,
                                               PartyCode.used_at.is_(None), PartyCode.revoked_at.is_(None))
                       .values(revoked_at=now))
    plain = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    code = PartyCode(inspection_id=inspection.id, code_hash=code_hash(plain), created_at=now,
                     expires_at=now + timedelta(days=int(current_app.config["PARTY_CODE_DAYS"])),
                     issued_by_id=actor.user_id)
    db.session.add(code)
    db.session.flush()
    audit(actor, "party_code.issue", "inspection", inspection.id, now=now)
    return code, plain


def usable(plain: str, *, now: datetime) -> PartyCode:
    """The code's record when it can still be used; else a clear error (not valid, used, replaced, expired)."""
    code = db.session.scalar(select(PartyCode).where(PartyCode.code_hash == code_hash(plain)))
    if code is None or len(normalise(plain)) != LENGTH:
        raise NotFound(_l("This code is not valid. Check the characters, or ask the agency for the link again."),
                       code="party_code_invalid")
    if code.used_at is not None:
        raise Conflict(_l("This code was already used on %(date)s. Each code can be used once.",
                          date=code.used_at.strftime("%Y-%m-%d")), code="party_code_used")
    if code.revoked_at is not None:
        raise Conflict(_l("This code was replaced by a newer one. Use the latest code you were given."),
                       code="party_code_revoked")
    if now >= code.expires_at:
        raise Conflict(_l("This code expired on %(date)s. Ask the agency or the justice bureau for a new one.",
                          date=code.expires_at.strftime("%Y-%m-%d")), code="party_code_expired")
    return code


def findings_of(inspection: Inspection) -> list[Finding]:
    """The findings on the party in the inspection's episode."""
    return list(db.session.scalars(select(Finding).where(Finding.party_id == inspection.party_id,
                                                         Finding.episode_id == inspection.episode_id)
                                   .order_by(Finding.id)))


@dataclass
class Answer:
    """What the party submits with its code."""

    took_place: bool
    conduct_standard: int | None
    conduct_civil: int | None
    #: finding id → statement text (blank ones are ignored)
    statements: dict[int, str]


def _check(answer: Answer, findings: list[Finding]) -> dict[int, str]:
    low, high = RATING_RANGE
    for field, value in (("conduct_standard", answer.conduct_standard), ("conduct_civil", answer.conduct_civil)):
        if answer.took_place and (value is None or not low <= value <= high):
            raise ValidationFailed(_l("Rate the officers' conduct from 1 to 5."), code="party_rating_invalid",
                                   details={"fields": {field: ["1-5"]}})
    ids = {f.id for f in findings}
    texts = {}
    for finding_id, body in answer.statements.items():
        body = (body or "").strip()
        if not body:
            continue
        if finding_id not in ids:
            raise ValidationFailed(_l("A statement can only be left on a finding of this inspection."),
                                   code="party_statement_finding", details={"fields": {"statements": [finding_id]}})
        if len(body) > STATEMENT_LIMIT:
            raise ValidationFailed(_l("This text is too long (at most %(n)s characters).", n=STATEMENT_LIMIT),
                                   code="party_statement_too_long", details={"fields": {"statements": [finding_id]}})
        texts[finding_id] = body
    return texts


def redeem(plain: str, answer: Answer, *, now: datetime) -> Inspection:
    """Use the code once: record whether the inspection took place, the ratings and the statements."""
    code = usable(plain, now=now)
    inspection = code.inspection
    texts = _check(answer, findings_of(inspection))
    # one use even under concurrent submissions: only the first UPDATE finds used_at empty
    claimed = db.session.execute(update(PartyCode).where(PartyCode.id == code.id, PartyCode.used_at.is_(None))
                                 .values(used_at=now)).rowcount
    if claimed != 1:
        raise Conflict(_l("This code was already used. Each code can be used once."), code="party_code_used")
    inspection.party_responded_at, inspection.took_place = now, answer.took_place
    inspection.conduct_standard = answer.conduct_standard if answer.took_place else None
    inspection.conduct_civil = answer.conduct_civil if answer.took_place else None
    for finding_id, body in texts.items():
        db.session.add(PartyStatement(inspection_id=inspection.id, finding_id=finding_id, body=body,
                                      state="pending", created_at=now))
    db.session.flush()
    from app.findings.services import coordinator_ids
    from app.observers.services import zh

    party = inspection.party
    title = (zh("%(party)s says an inspection did not take place", party=party.name) if not answer.took_place
             else zh("%(party)s answered for its inspection", party=party.name))
    notify(coordinator_ids(), "party_answered", title, now=now,
           body=zh("%(n)s statements to review.", n=len(texts)), link="/parties/statements",
           dedupe_key=f"party_answer:{inspection.id}")
    audit(_party_actor(), "party_code.redeem", "inspection", inspection.id, now=now,
          data={"took_place": answer.took_place, "statements": len(texts)})
    return inspection


def _party_actor() -> Actor:
    """The party acts without an account."""
    return Actor(user_id=None, role="party", display_name="party")
