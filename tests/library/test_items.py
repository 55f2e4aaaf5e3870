"""Enforcement items and their discretion standards; findings name the circumstance; cases on article and item pages."""
from __future__ import annotations

import pytest

from app.core import clock
from app.core.errors import ValidationFailed
from app.extensions import db
from tests.findings.helpers import finding, report, world
from tests.library.helpers import catalogue, item, note
from tests.security.helpers import text_of


def test_the_item_page_shows_basis_and_discretion_standard(app, users, client):
    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food35"], laws["food122"]])
    db.session.commit()

    page = text_of(client.get(f"/library/items/{food.id}"))

    assert "330217001" in page and "对未取得食品经营许可从事食品经营活动的行政处罚" in page
    assert "《中华人民共和国食品安全法》第三十五条" in page and "《中华人民共和国食品安全法》第一百二十二条" in page
    for circumstance, penalty in (("首次违法，及时改正", "处五万元以上六万元以下罚款"),
                                  ("情节严重", "处八万元以上十万元以下罚款")):
        assert circumstance in page and penalty in page
    assert food.agency.name_zh in page


def test_a_finding_names_the_item_and_circumstance_and_its_page_shows_the_range(app, users, client):
    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food35"], laws["food122"]])
    w = world(users)
    db.session.commit()
    f = finding(users, w, now=clock.now(), legal_basis_id=laws["food122"].id, enforcement_item_id=food.id,
                discretion_level_id=food.circumstances[1].id)

    page = text_of(client.get(f"/findings/{f.id}"))

    assert "货值金额一千元以上" in page and "处六万元以上八万元以下罚款" in page
    assert "330217001" in page


def test_a_circumstance_of_another_item_is_refused(app, users):
    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food35"]])
    fire = item(users["agency_staff"].agency, [laws["fire60"]], code="330218060", name="对占用、堵塞、封闭疏散通道的行政处罚")
    w = world(users)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        finding(users, w, now=clock.now(), enforcement_item_id=food.id, discretion_level_id=fire.circumstances[0].id)
    assert refused.value.code == "circumstance_invalid"
    db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        finding(users, w, now=clock.now(), discretion_level_id=fire.circumstances[0].id)
    assert refused.value.code == "enforcement_item_required"


def test_the_finding_form_records_item_and_circumstance(app, users, login_as):
    from tests.conftest import csrf_token
    from app.findings.models import Finding

    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food35"]])
    w = world(users)
    db.session.commit()
    c = login_as("coordinator")
    url = f"/episodes/{w['episode'].id}/findings/new"
    page = text_of(c.get(url))
    assert "330217001 · 情节严重: 处八万元以上十万元以下罚款" in page
    response = c.post(url, data={
        "party_name": "幸福小吃店", "description": "无证经营", "domain_id": str(w["own"].domains[0].id),
        "legal_basis_id": str(laws["food35"].id), "enforcement_item_id": str(food.id),
        "discretion_level_id": str(food.circumstances[2].id), "severity": "serious",
        "agency_id": str(w["own"].id), "rectify_by": "2099-01-01T10:00", "csrf_token": csrf_token(c, url)})
    assert response.status_code == 302
    saved = db.session.query(Finding).one()
    assert saved.enforcement_item_id == food.id and saved.discretion_level_id == food.circumstances[2].id


def test_findings_and_notes_citing_an_article_are_its_cases_with_replay_moment_and_outcome(app, users, client):
    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food45"]], code="330217045", name="对食品从业人员未取得健康证明上岗的行政处罚")
    w = world(users)
    db.session.commit()
    f = finding(users, w, now=clock.now(), party_name="幸福餐馆", description="两名厨师健康证过期仍在岗",
                legal_basis_id=laws["food45"].id, replay_offset_seconds=754)
    report(users, [f], publish_now=True, now=clock.now())
    note(w["episode"], users["coordinator"], laws["food45"], "从业人员每年都要体检", 300)
    note(w["episode"], users["coordinator"], laws["fire28"], "消防通道不得堵塞", 900)
    db.session.commit()

    for url in (f"/library/articles/{laws['food45'].id}", f"/library/items/{food.id}"):
        html = client.get(url).get_data(as_text=True)
        page = text_of(client.get(url))
        assert "幸福餐馆" in page and "两名厨师健康证过期仍在岗" in page and "从业人员每年都要体检" in page
        assert "消防通道不得堵塞" not in page
        assert w["episode"].title in page
        assert f'/episodes/{w["episode"].id}#t=754' in html and f'/episodes/{w["episode"].id}#t=300' in html
        assert "回头看：已整改" in page
