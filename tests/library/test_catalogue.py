"""The statute and article catalogue: public pages, repealed articles, the coordinator's edits."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core import clock
from app.core.errors import ValidationFailed
from app.extensions import db
from app.legal import citations
from app.library import services
from app.legal.models import LegalBasis, Statute
from app.live import notes
from tests import factories
from tests.conftest import csrf_token
from tests.findings.helpers import finding, world
from tests.library.helpers import FOOD_LAW, article, catalogue, coordinator, statute
from tests.security.helpers import text_of


def test_anyone_reads_the_library_without_logging_in(app, client):
    laws = catalogue()
    db.session.commit()

    front = text_of(client.get("/library"))
    assert FOOD_LAW in front and "全国人民代表大会常务委员会" in front and "第四十五条" in front
    page = client.get(f"/library/articles/{laws['food45'].id}")
    assert page.status_code == 200
    assert "取得健康证明后方可上岗工作" in text_of(page)
    statute_page = text_of(client.get(f"/library/statutes/{laws['food'].id}"))
    assert "2015-10-01" in statute_page and "第三十五条" in statute_page and "第一百二十二条" in statute_page


def test_a_repealed_article_stays_readable_marked_and_cannot_be_cited(app, users, client):
    now = clock.now()
    old = statute("《食品经营许可管理办法》", kind="rule", issuing_body="国家食品药品监督管理总局",
                  effective_on=date(2015, 10, 1), repealed_on=date(2023, 12, 1))
    repealed = article(old, "第二十七条", "食品经营许可证载明的许可事项发生变化的，应当申请变更经营许可。")
    w = world(users)
    db.session.commit()

    page = text_of(client.get(f"/library/articles/{repealed.id}"))
    assert "变更经营许可" in page and "已废止" in page and "2023-12-01" in page
    with pytest.raises(ValidationFailed) as refused:
        finding(users, w, now=now, legal_basis_id=repealed.id)
    assert refused.value.code == "legal_basis_repealed"
    db.session.rollback()
    live = factories.episode("live", live_at=now - timedelta(minutes=5))
    live.host_user_id = users["coordinator"].id
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        notes.post_note(coordinator(users), live.id, "许可事项变化要申请变更", now=now, legal_basis_id=repealed.id)
    assert refused.value.code == "legal_basis_repealed"


def test_an_article_repealed_on_its_own_is_marked_but_its_statute_is_not(app, client):
    food = statute(FOOD_LAW)
    gone = article(food, "第九十九条", "旧条文", repealed_on=date(2020, 1, 1))
    kept = article(food, "第三十五条", "国家对食品生产经营实行许可制度。")
    db.session.commit()
    assert gone.is_repealed(date(2020, 1, 1)) and not gone.is_repealed(date(2019, 12, 31))
    assert "已废止" in text_of(client.get(f"/library/articles/{gone.id}"))
    assert "已废止" not in text_of(client.get(f"/library/articles/{kept.id}"))
    assert citations.citable_basis(kept.id, clock.now()) is kept


def test_the_finding_form_offers_only_articles_still_in_force(app, users, login_as):
    food = statute(FOOD_LAW)
    article(food, "第九十九条", "旧条文", repealed_on=date(2020, 1, 1))
    article(food, "第三十五条", "国家对食品生产经营实行许可制度。")
    w = world(users)
    db.session.commit()
    page = text_of(login_as("coordinator").get(f"/episodes/{w['episode'].id}/findings/new"))
    assert f"{FOOD_LAW}第三十五条" in page and "第九十九条" not in page


def test_the_coordinator_adds_edits_repeals_and_removes_articles(app, users, login_as):
    coordinator_client = login_as("coordinator")
    token = csrf_token(coordinator_client, "/library/manage")
    added = coordinator_client.post("/library/manage", data={
        "statute": FIRE_TITLE, "article": "第十六条", "excerpt": "保障疏散通道、安全出口、消防车通道畅通。",
        "csrf_token": token})
    assert added.status_code == 302
    basis = db.session.query(LegalBasis).one()
    assert basis.statute.title == FIRE_TITLE and db.session.query(Statute).count() == 1

    again = coordinator_client.post("/library/manage", data={"statute": FIRE_TITLE, "article": "第十六条",
                                                              "csrf_token": token})
    assert again.status_code == 409 and "已在依据库中" in text_of(again)

    edited = coordinator_client.post(f"/library/articles/{basis.id}/edit", data={
        "article": "第十六条", "excerpt": "新的条文", "repealed_on": "2024-01-01", "csrf_token": token})
    assert edited.status_code == 302
    db.session.expire_all()
    assert basis.excerpt == "新的条文" and basis.repealed_on == date(2024, 1, 1)

    removed = coordinator_client.post(f"/library/articles/{basis.id}/delete", data={"csrf_token": token})
    assert removed.status_code == 302
    assert db.session.query(LegalBasis).count() == 0


def test_a_cited_article_cannot_be_removed(app, users, login_as):
    laws = catalogue()
    w = world(users)
    db.session.commit()
    finding(users, w, now=clock.now(), legal_basis_id=laws["food35"].id)
    c = login_as("coordinator")
    response = c.post(f"/library/articles/{laws['food35'].id}/delete",
                      data={"csrf_token": csrf_token(c, "/library/manage")})
    assert response.status_code == 302
    assert "不能删除" in text_of(c.get(response.headers["Location"]))
    assert db.session.get(LegalBasis, laws["food35"].id) is not None


@pytest.mark.parametrize("role,status", [("public", 403), ("agency_staff", 403), ("observer", 403)])
def test_only_the_coordinator_manages_the_catalogue(app, login_as, role, status):
    assert login_as(role).get("/library/manage").status_code == status


def test_anonymous_visitors_are_sent_to_log_in_to_manage(app, client):
    response = client.get("/library/manage")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


FIRE_TITLE = "《中华人民共和国消防法》"


def test_articles_are_listed_by_their_number(app, client):
    food = statute(FOOD_LAW)
    for number in ("第一百二十二条", "第三十五条", "第一百零二条", "第四条", "第十二条"):
        article(food, number, "")
    db.session.commit()
    page = text_of(client.get(f"/library/statutes/{food.id}"))
    positions = [page.index(n) for n in ("第四条", "第十二条", "第三十五条", "第一百零二条", "第一百二十二条")]
    assert positions == sorted(positions)
