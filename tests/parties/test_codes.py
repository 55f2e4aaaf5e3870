"""One-time party codes: only a hash stored, one use, expiry, replacement, and who may issue them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.auth import actor_for
from app.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from app.extensions import db
from app.parties import codes
from app.parties.models import Inspection, PartyCode, PartyStatement
from tests import factories
from tests.parties.helpers import NOW, episode_at, finding


@pytest.fixture
def inspected(app, users):
    agency = users["agency_staff"].agency
    episode = episode_at(NOW - timedelta(days=1), [agency])
    f = finding(users, episode, agency)
    inspection = db.session.query(Inspection).filter_by(party_id=f.party_id).one()
    return {"finding": f, "inspection": inspection, "agency": agency}


def _answer(statements=None, took_place=True):
    return codes.Answer(took_place=took_place, conduct_standard=5, conduct_civil=4, statements=statements or {})


def test_only_the_hash_is_stored_and_the_code_is_used_once(app, users, inspected):
    _, plain = codes.issue(actor_for(users["agency_staff"]), inspected["inspection"].id, now=NOW)
    db.session.commit()
    stored = db.session.query(PartyCode).one()
    assert plain not in stored.code_hash and len(plain) == codes.LENGTH
    typed = f" {plain[:5].lower()}-{plain[5:]} "  # as a person types it from the slip
    codes.redeem(typed, _answer({inspected["finding"].id: "我们当天已整改。"}), now=NOW)
    db.session.commit()
    inspection = db.session.get(Inspection, inspected["inspection"].id)
    assert (inspection.took_place, inspection.conduct_standard, inspection.conduct_civil) == (True, 5, 4)
    [statement] = db.session.query(PartyStatement).all()
    assert (statement.state, statement.body) == ("pending", "我们当天已整改。")
    with pytest.raises(Conflict) as caught:
        codes.redeem(plain, _answer(), now=NOW)
    assert caught.value.code == "party_code_used"


def test_bad_expired_and_replaced_codes_get_their_own_errors(app, users, inspected):
    staff = actor_for(users["agency_staff"])
    _, first = codes.issue(staff, inspected["inspection"].id, now=NOW)
    _, second = codes.issue(staff, inspected["inspection"].id, now=NOW)
    db.session.commit()
    with pytest.raises(NotFound) as caught:
        codes.usable("WRONGCODE2", now=NOW)
    assert caught.value.code == "party_code_invalid"
    with pytest.raises(Conflict) as caught:
        codes.usable(first, now=NOW)
    assert caught.value.code == "party_code_revoked"
    days = app.config["PARTY_CODE_DAYS"]
    assert codes.usable(second, now=NOW + timedelta(days=days) - timedelta(seconds=1))
    with pytest.raises(Conflict) as caught:
        codes.usable(second, now=NOW + timedelta(days=days))
    assert caught.value.code == "party_code_expired"


def test_only_the_coordinator_and_the_agencies_of_the_episode_issue_codes(app, users, inspected):
    for role in ("public", "observer"):
        with pytest.raises(NotAllowed):
            codes.issue(actor_for(users[role]), inspected["inspection"].id, now=NOW)
    outsider = factories.user("agency_staff", username="outsider")
    db.session.commit()
    with pytest.raises(NotAllowed):
        codes.issue(actor_for(outsider), inspected["inspection"].id, now=NOW)
    assert codes.issue(actor_for(users["coordinator"]), inspected["inspection"].id, now=NOW)[1]


def test_ratings_are_required_when_it_took_place_and_statements_only_on_own_findings(app, users, inspected):
    _, plain = codes.issue(actor_for(users["coordinator"]), inspected["inspection"].id, now=NOW)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        codes.redeem(plain, codes.Answer(True, None, 3, {}), now=NOW)
    assert caught.value.code == "party_rating_invalid"
    with pytest.raises(ValidationFailed) as caught:
        codes.redeem(plain, _answer({inspected["finding"].id + 99: "x"}), now=NOW)
    assert caught.value.code == "party_statement_finding"
    db.session.rollback()
    # a refused answer did not use the code up
    codes.redeem(plain, codes.Answer(False, None, None, {}), now=NOW)
    db.session.commit()
    assert db.session.get(Inspection, inspected["inspection"].id).took_place is False
