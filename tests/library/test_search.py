"""Search in Chinese over articles, items and cases: ranked, highlighted, on SQLite (FTS5) and PostgreSQL."""
from __future__ import annotations

import re

from app.core import clock
from app.extensions import db
from app.library import services
from app.legal.models import TypicalCase
from app.library.search import search
from tests import factories
from tests.findings.helpers import finding, world
from tests.library.helpers import catalogue, coordinator, item, note
from tests.security.helpers import text_of


def titles(query: str, **kw) -> list[str]:
    return [re.sub(r"</?mark>", "", str(h.title)) for h in search(query, **kw)]


def test_food_licence_finds_the_licence_articles_and_the_item_first_by_title(app, users):
    laws = catalogue()
    item(users["agency_staff"].agency, [laws["food35"], laws["food122"]])
    db.session.commit()

    found = titles("食品经营许可")

    # 食品生产经营许可 (第一百二十二条) is not the phrase searched for
    assert set(found) == {"330217001 对未取得食品经营许可从事食品经营活动的行政处罚",
                          "《食品经营许可和备案管理办法》第四条"}
    assert "《中华人民共和国消防法》第二十八条" not in found


def test_a_hit_in_the_title_ranks_above_hits_in_the_text(app, users):
    laws = catalogue()
    item(users["agency_staff"].agency, [laws["food45"]], code="330217045", name="对从业人员未取得健康证明上岗的行政处罚")
    db.session.commit()
    assert titles("健康证明") == ["330217045 对从业人员未取得健康证明上岗的行政处罚",
                                  "《中华人民共和国食品安全法》第四十五条"]


def test_health_certificate_and_fire_lanes(app):
    catalogue()
    db.session.commit()
    assert titles("健康证") == ["《中华人民共和国食品安全法》第四十五条"]
    fire = titles("消防车通道")
    assert fire == ["《中华人民共和国消防法》第二十八条"]
    # both fire articles name the evacuation routes; the one that says it twice... ranks by occurrences
    assert set(titles("疏散通道")) == {"《中华人民共和国消防法》第二十八条", "《中华人民共和国消防法》第六十条"}


def test_two_character_queries_fall_back_and_still_find(app):
    catalogue()
    db.session.commit()
    assert titles("健康") == ["《中华人民共和国食品安全法》第四十五条"]
    assert titles("罚款") and all("食品安全法" in t or "消防法" in t for t in titles("罚款"))


def test_several_words_must_all_occur(app):
    catalogue()
    db.session.commit()
    assert titles("许可 罚款") == ["《中华人民共和国食品安全法》第一百二十二条"]
    assert titles("许可 消防") == []


def test_hits_are_highlighted_and_escaped(app):
    laws = catalogue()
    laws["food45"].excerpt = "<b>健康证明</b> 上岗"
    db.session.commit()
    hit = search("健康证明")[0]
    assert str(hit.snippet) == "&lt;b&gt;<mark>健康证明</mark>&lt;/b&gt; 上岗"


def test_the_index_follows_edits_and_removals(app, users):
    laws = catalogue()
    db.session.commit()
    actor = coordinator(users)
    services.update_basis(actor, laws["fire28"].id, article="第二十八条", excerpt="不得埋压、圈占、遮挡消火栓。",
                          now=clock.now())
    db.session.commit()
    assert titles("消火栓") == ["《中华人民共和国消防法》第二十八条"]
    assert titles("消防车通道") == []
    services.delete_basis(actor, laws["fire28"].id, now=clock.now())
    db.session.commit()
    assert titles("消火栓") == []


def test_cases_are_found_but_only_of_broadcast_episodes(app, users, client):
    laws = catalogue()
    w = world(users)
    db.session.commit()
    finding(users, w, now=clock.now(), party_name="幸福小吃店", description="无食品经营许可证从事餐饮服务",
            legal_basis_id=laws["food35"].id)
    draft = factories.episode("draft")
    note(draft, users["coordinator"], laws["food35"], "草稿期：食品经营许可要先办", 60)
    db.session.add(TypicalCase(title="某面馆无证经营案", body="未取得食品经营许可从事餐饮服务，没收违法所得。",
                               legal_basis_id=laws["food122"].id))
    db.session.commit()

    page = text_of(client.get("/library/search", query_string={"q": "食品经营许可", "kind": "cases"}))

    assert "幸福小吃店" in page and "某面馆无证经营案" in page
    assert "草稿期" not in page
    assert "《中华人民共和国食品安全法》第三十五条" not in page  # kind=cases leaves articles out
    assert "<mark>食品经营许可</mark>" in client.get("/library/search?q=食品经营许可").get_data(as_text=True)


def test_the_search_page_handles_empty_odd_and_long_queries(app, client):
    catalogue()
    db.session.commit()
    assert client.get("/library/search").status_code == 200
    for q in ['"', "%_", "OR AND NOT", "健" * 300, "*", "NEAR(", "消防 \"通道"]:
        response = client.get("/library/search", query_string={"q": q})
        assert response.status_code == 200, q


def test_reindex_rebuilds_entries_written_behind_the_orm(app, runner):
    from sqlalchemy import text

    catalogue()
    db.session.commit()
    db.session.execute(text("DELETE FROM library_search_entries"))
    db.session.commit()
    assert titles("健康证") == []
    result = runner.invoke(args=["library", "reindex"])
    assert result.exit_code == 0 and "6 search entries written" in result.output
    assert titles("健康证") == ["《中华人民共和国食品安全法》第四十五条"]
