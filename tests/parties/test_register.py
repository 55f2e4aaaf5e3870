"""The party register: linking findings, credit codes, editing and merging duplicates."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.auth import actor_for
from app.core.errors import Conflict, NotAllowed, ValidationFailed
from app.extensions import db
from app.parties import services
from app.parties.models import Inspection, Party
from app.parties.names import clean_credit_code, name_key
from tests.parties.helpers import NOW, episode_at, finding

VALID = "91350100M000100Y43"  # a published example with a correct check digit


def test_findings_naming_the_same_party_share_one_record_and_one_inspection_per_episode(app, users):
    agency = users["agency_staff"].agency
    e1 = episode_at(NOW - timedelta(days=2), [agency])
    a = finding(users, e1, agency, party_name="幸福餐馆")
    b = finding(users, e1, agency, party_name=" 幸福 餐馆 ")  # typed with spaces
    e2 = episode_at(NOW - timedelta(days=1), [agency])
    c = finding(users, e2, agency, party_name="幸福餐馆")
    other = finding(users, e2, agency, party_name="平安超市")
    assert a.party_id == b.party_id == c.party_id != other.party_id
    assert db.session.query(Party).count() == 2
    assert sorted(i.episode_id for i in db.session.query(Inspection).filter_by(party_id=a.party_id)) == [e1.id, e2.id]
    assert a.party.name == "幸福餐馆"


def test_name_key_folds_width_case_and_spaces():
    assert name_key("ＡＢＣ 便利店") == name_key("abc便利店")


@pytest.mark.parametrize("value, code", [("91350100M000100Y44", "credit_code_checksum"),
                                         ("91350100M000100Y4", "credit_code_invalid"),
                                         ("91350100M00010OY43", "credit_code_invalid")])
def test_credit_codes_with_a_wrong_check_digit_or_format_are_refused(value, code):
    with pytest.raises(ValidationFailed) as caught:
        clean_credit_code(value)
    assert caught.value.code == code


def test_credit_code_is_normalised_and_blank_means_none():
    assert clean_credit_code(" 9135 0100M0 00100Y43 ") == VALID
    assert clean_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == VALID  # full-width digits
    assert clean_credit_code("  ") is None


def test_coordinator_edits_a_record_and_a_code_cannot_be_used_twice(app, users):
    agency = users["agency_staff"].agency
    e = episode_at(NOW - timedelta(days=1), [agency])
    a, b = finding(users, e, agency, party_name="甲公司"), finding(users, e, agency, party_name="乙公司")
    coordinator = actor_for(users["coordinator"])
    services.update_party(coordinator, a.party_id, now=NOW, credit_code=VALID, address="幸福路 1 号")
    db.session.commit()
    assert (a.party.credit_code, a.party.address) == (VALID, "幸福路 1 号")
    with pytest.raises(Conflict) as caught:
        services.update_party(coordinator, b.party_id, now=NOW, credit_code=VALID)
    assert caught.value.code == "credit_code_taken"
    with pytest.raises(NotAllowed):
        services.update_party(actor_for(users["agency_staff"]), a.party_id, now=NOW, name="x")


def test_merging_moves_findings_and_inspections_and_later_typing_finds_the_kept_record(app, users):
    agency = users["agency_staff"].agency
    e1, e2 = episode_at(NOW - timedelta(days=3), [agency]), episode_at(NOW - timedelta(days=2), [agency])
    keep = finding(users, e1, agency, party_name="幸福餐馆")
    dup1 = finding(users, e1, agency, party_name="幸福餐馆（龙华店）")  # same episode as keep
    dup2 = finding(users, e2, agency, party_name="幸福餐馆（龙华店）")
    coordinator = actor_for(users["coordinator"])
    dup_id = dup1.party_id
    services.merge(coordinator, keep.party_id, dup_id, now=NOW, reason="同一家")
    db.session.commit()
    db.session.expire_all()
    assert {keep.party_id, dup1.party_id, dup2.party_id} == {keep.party_id}
    assert db.session.get(Party, dup_id).merged_into_id == keep.party_id
    episodes = sorted(i.episode_id for i in db.session.query(Inspection).filter_by(party_id=keep.party_id))
    assert episodes == [e1.id, e2.id]  # the shared episode counts once
    later = finding(users, e2, agency, party_name="幸福餐馆（龙华店）")
    assert later.party_id == keep.party_id
    with pytest.raises(Conflict):
        services.merge(coordinator, keep.party_id, dup_id, now=NOW)


def test_records_with_different_credit_codes_are_not_merged(app, users):
    agency = users["agency_staff"].agency
    e = episode_at(NOW - timedelta(days=1), [agency])
    a, b = finding(users, e, agency, party_name="甲"), finding(users, e, agency, party_name="乙")
    coordinator = actor_for(users["coordinator"])
    services.update_party(coordinator, a.party_id, now=NOW, credit_code=VALID)
    services.update_party(coordinator, b.party_id, now=NOW, credit_code="91110108551385082Q")
    with pytest.raises(Conflict) as caught:
        services.merge(coordinator, a.party_id, b.party_id, now=NOW)
    assert caught.value.code == "party_merge_codes_differ"
