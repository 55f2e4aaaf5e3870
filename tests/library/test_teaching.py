"""The teaching library: recorded cases filtered by domain, agency, item and article."""
from __future__ import annotations

from app.core import clock
from app.extensions import db
from tests import factories
from tests.findings.helpers import finding, world
from tests.library.helpers import catalogue, item, note
from tests.security.helpers import text_of


def test_a_trainer_collects_every_recorded_case_of_one_violation(app, users, client):
    laws = catalogue()
    own = users["agency_staff"].agency
    food = item(own, [laws["food35"]])
    w = world(users)
    fire_agency = factories.agency("xfjy")
    fire_episode = factories.episode("ended", agencies=[fire_agency], title="消防通道专项检查")
    db.session.commit()
    finding(users, w, now=clock.now(), party_name="无证小吃店", legal_basis_id=laws["food35"].id)
    finding(users, w, now=clock.now(), party_name="另一家无证面馆", enforcement_item_id=food.id)
    finding(users, w, now=clock.now(), party_name="没有引用法条的问题")
    note(fire_episode, users["coordinator"], laws["fire28"], "楼道堆放杂物堵塞疏散通道", 120)
    db.session.commit()

    everything = text_of(client.get("/library/teaching"))
    assert "无证小吃店" in everything and "另一家无证面馆" in everything and "楼道堆放杂物堵塞疏散通道" in everything
    assert "没有引用法条的问题" not in everything

    by_item = text_of(client.get(f"/library/teaching?item={food.id}"))
    assert "无证小吃店" in by_item and "另一家无证面馆" in by_item and "楼道堆放" not in by_item

    by_article = text_of(client.get(f"/library/teaching?article={laws['fire28'].id}"))
    assert "楼道堆放杂物堵塞疏散通道" in by_article and "无证小吃店" not in by_article

    by_agency = text_of(client.get("/library/teaching?agency=xfjy"))
    assert "楼道堆放" in by_agency and "无证小吃店" not in by_agency

    by_domain = text_of(client.get(f"/library/teaching?domain={own.domains[0].code}"))
    assert "无证小吃店" in by_domain and "楼道堆放" not in by_domain

    assert client.get("/library/teaching?item=abc&article=-1").status_code == 200
