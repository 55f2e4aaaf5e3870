"""The library's JSON API and open data: same envelope, same rules, exports that import back."""
from __future__ import annotations

import csv
import io

from sqlalchemy import delete, func, select

from app.core import clock
from app.extensions import db
from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis, Statute, item_bases
from tests.conftest import csrf_token
from tests.findings.helpers import finding, world
from tests.library.helpers import catalogue, item, note


def test_statutes_articles_and_items_read_without_logging_in(app, users, client):
    laws = catalogue()
    food = item(users["agency_staff"].agency, [laws["food35"]])
    w = world(users)
    db.session.commit()
    f = finding(users, w, now=clock.now(), party_name="幸福小吃店", legal_basis_id=laws["food35"].id,
                enforcement_item_id=food.id, discretion_level_id=food.circumstances[0].id, replay_offset_seconds=95)

    statutes = client.get("/api/v1/library/statutes").json
    assert statutes["ok"] and {s["title"] for s in statutes["data"]} >= {"《中华人民共和国食品安全法》"}
    one = client.get(f"/api/v1/library/articles/{laws['food35'].id}").json["data"]
    assert one["citation"] == "《中华人民共和国食品安全法》第三十五条" and one["repealed"] is False
    assert one["items"][0]["code"] == "330217001"
    assert one["cases"][0]["replay_url"] == f"/episodes/{w['episode'].id}#t=95"
    assert one["cases"][0]["circumstance"] == "首次违法，及时改正"
    standard = client.get(f"/api/v1/library/items/{food.id}").json["data"]["circumstances"]
    assert [c["penalty"] for c in standard][-1] == "处八万元以上十万元以下罚款"
    got = client.get(f"/api/v1/findings/{f.id}").json["data"]
    assert got["enforcement_item"]["code"] == "330217001"
    assert got["circumstance"] == {"circumstance": "首次违法，及时改正", "penalty": "处五万元以上六万元以下罚款"}


def test_search_api_ranks_and_marks(app, users, client):
    laws = catalogue()
    w = world(users)
    note(w["episode"], users["coordinator"], laws["fire28"], "消防通道上停了三辆电动车", 420)
    db.session.commit()
    hits = client.get("/api/v1/library/search", query_string={"q": "消防通道"}).json["data"]
    assert [h["kind"] for h in hits] == ["note"]
    assert hits[0]["snippet_html"].startswith("<mark>消防通道</mark>上停了")
    assert hits[0]["url"] == f"/episodes/{w['episode'].id}#t=420"
    refused = client.get("/api/v1/library/search")
    assert refused.status_code == 422 and refused.json["ok"] is False


def test_missing_things_answer_with_stable_codes(app, client):
    assert client.get("/api/v1/library/articles/9").json["error"]["code"] == "legal_basis_not_found"
    assert client.get("/api/v1/library/items/9").json["error"]["code"] == "enforcement_item_not_found"


def test_import_api_is_all_or_nothing(app, login_as):
    c = login_as("coordinator")
    token = csrf_token(c, "/library/manage")
    rows = [{"statute": "《中华人民共和国消防法》", "article": "第二十八条", "text": "不得占用消防车通道。"},
            {"statute": "《中华人民共和国消防法》", "article": "", "text": "x"}]
    refused = c.post("/api/v1/library/import", json={"articles": rows}, headers={"X-CSRFToken": token})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "import_rejected"
    assert refused.json["error"]["details"]["rejected"] == [{"row": 2, "reason": "缺少 article。"}]
    assert db.session.scalar(select(func.count()).select_from(Statute)) == 0
    done = c.post("/api/v1/library/import", json={"articles": rows[:1]}, headers={"X-CSRFToken": token})
    assert done.status_code == 201 and done.json["data"] == {"statutes": 1, "articles": 1, "items": 0}
    public = login_as("public")
    assert public.post("/api/v1/library/import", json={"articles": rows[:1]},
                       headers={"X-CSRFToken": csrf_token(public, "/library")}).status_code == 403


def test_open_data_exports_the_library_in_the_import_format(app, users, client, login_as):
    laws = catalogue()
    item(users["agency_staff"].agency, [laws["food35"], laws["food122"]])
    db.session.commit()
    articles_csv = client.get("/open-data/legal_articles.csv").get_data(as_text=True)
    items_csv = client.get("/open-data/enforcement_items.csv").get_data(as_text=True)
    items_json = client.get("/open-data/enforcement_items.json").json
    assert items_json["data"][0]["articles"] == ["《中华人民共和国食品安全法》第三十五条",
                                                 "《中华人民共和国食品安全法》第一百二十二条"]
    rows = list(csv.DictReader(io.StringIO(items_csv.lstrip("\ufeff"))))
    assert rows[0]["circumstances"].startswith("首次违法，及时改正=处五万元以上六万元以下罚款|")

    # empty the library, import both exports back: the same library again
    for statement in (delete(item_bases), delete(DiscretionLevel), delete(EnforcementItem), delete(LegalBasis),
                      delete(Statute)):
        db.session.execute(statement)
    db.session.commit()
    c = login_as("coordinator")
    token = csrf_token(c, "/library/manage")
    for name, content in (("a.csv", articles_csv), ("i.csv", items_csv)):
        response = c.post("/library/import", data={"csrf_token": token, "file": (io.BytesIO(content.encode()), name)},
                          content_type="multipart/form-data")
        assert response.status_code == 302, name
    from app.stats import cache

    cache.invalidate()
    assert client.get("/open-data/legal_articles.csv").get_data(as_text=True) == articles_csv
    assert client.get("/open-data/enforcement_items.csv").get_data(as_text=True) == items_csv
