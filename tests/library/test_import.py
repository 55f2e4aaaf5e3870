"""The coordinator imports statutes and items from CSV or JSON: validated, all or nothing, with a report."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from app.extensions import db
from app.legal.models import EnforcementItem, LegalBasis, Statute
from app.library.search import search
from tests.conftest import csrf_token
from tests.library.helpers import catalogue
from tests.security.helpers import text_of

ARTICLES_CSV = """statute,kind,issuing_body,effective_on,repealed_on,article,text,article_repealed_on
《中华人民共和国食品安全法》,law,全国人民代表大会常务委员会,2015-10-01,,第三十五条,国家对食品生产经营实行许可制度。,
《中华人民共和国食品安全法》,law,全国人民代表大会常务委员会,2015-10-01,,第四十五条,从业人员应当每年进行健康检查，取得健康证明后方可上岗工作。,
《中华人民共和国消防法》,law,全国人民代表大会常务委员会,2021-04-29,,第二十八条,不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。,
《食品经营许可管理办法》,rule,国家食品药品监督管理总局,2015-10-01,2023-12-01,第二十七条,许可事项发生变化的，应当申请变更经营许可。,
"""


def upload(client, name: str, content: str):
    return client.post("/library/import", data={
        "csrf_token": csrf_token(client, "/library/manage"),
        "file": (io.BytesIO(content.encode("utf-8")), name)}, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_csv_of_articles_is_imported_and_searchable(app, login_as):
    c = login_as("coordinator")
    response = upload(c, "statutes.csv", ARTICLES_CSV)
    assert response.status_code == 302
    assert "新增法律法规 3 部，条款 4 条" in text_of(c.get("/library/manage"))
    assert count(Statute) == 3 and count(LegalBasis) == 4
    rule = db.session.scalar(select(Statute).where(Statute.title == "《食品经营许可管理办法》"))
    assert rule.kind == "rule" and rule.repealed_on.isoformat() == "2023-12-01"
    assert [str(h.title) for h in search("健康证明")] == ["《中华人民共和国食品安全法》第四十五条"]

    again = upload(c, "statutes.csv", ARTICLES_CSV.replace("国家对食品生产经营实行许可制度。", "新条文。"))
    assert again.status_code == 302 and count(LegalBasis) == 4  # the same rows update, not duplicate
    assert db.session.scalar(select(LegalBasis.excerpt).where(LegalBasis.article == "第三十五条")) == "新条文。"


def test_one_bad_row_rejects_the_file_and_the_report_names_each_row(app, login_as):
    c = login_as("coordinator")
    bad = ARTICLES_CSV + "《某条例》,treaty,,,,第一条,x,\n" + ",law,,,,第二条,y,\n" + "《某法》,law,,2020-13-01,,第三条,z,\n"
    response = upload(c, "statutes.csv", bad)
    assert response.status_code == 422
    page = text_of(response)
    assert "有 3 行未通过校验，本次未导入任何数据" in page
    assert "kind 须为以下之一" in page and "缺少 statute" in page and "effective_on 不是日期" in page
    for row in ("6", "7", "8"):
        assert f"<td>{row}</td>" in page
    assert count(Statute) == 0 and count(LegalBasis) == 0  # nothing half-imported


def test_items_import_from_json_with_their_standard(app, users, login_as):
    laws = catalogue()
    agency = users["agency_staff"].agency
    db.session.commit()
    body = {"items": [{"code": "330217045", "name": "对食品从业人员未取得健康证明上岗的行政处罚",
                       "domain": agency.domains[0].code, "agency": agency.slug, "description": "健康证过期上岗",
                       "articles": ["《中华人民共和国食品安全法》第四十五条"],
                       "circumstances": [{"circumstance": "首次违法，及时改正", "penalty": "不予处罚，给予警告"},
                                         {"circumstance": "拒不改正", "penalty": "处五千元以上五万元以下罚款"}]}]}
    c = login_as("coordinator")
    assert upload(c, "items.json", json.dumps(body, ensure_ascii=False)).status_code == 302
    imported = db.session.scalar(select(EnforcementItem))
    assert [b.id for b in imported.bases] == [laws["food45"].id]
    assert [(lv.circumstance, lv.penalty) for lv in imported.circumstances] == [
        ("首次违法，及时改正", "不予处罚，给予警告"), ("拒不改正", "处五千元以上五万元以下罚款")]
    page = text_of(c.get(f"/library/items/{imported.id}"))
    assert "处五千元以上五万元以下罚款" in page


def test_items_csv_rejects_unknown_articles_and_agencies(app, users, login_as):
    catalogue()
    agency = users["agency_staff"].agency
    db.session.commit()
    csv = ("code,name,domain,agency,description,articles,circumstances\n"
           f"1,无证经营,{agency.domains[0].code},{agency.slug},,《中华人民共和国食品安全法》第九百条,首次=警告\n"
           f"2,无证经营,{agency.domains[0].code},nobody,,,首次=警告\n"
           f"3,无证经营,{agency.domains[0].code},{agency.slug},,,首次\n"
           f"4,正常事项,{agency.domains[0].code},{agency.slug},,《中华人民共和国食品安全法》第三十五条,首次=警告|严重=罚款\n")
    response = upload(login_as("coordinator"), "items.csv", csv)
    page = text_of(response)
    assert response.status_code == 422
    assert "依据库中没有该条款：《中华人民共和国食品安全法》第九百条" in page
    assert "执法领域或执法单位不存在" in page and "每个违法情形须有名称" in page
    assert count(EnforcementItem) == 0


def test_unreadable_files_are_refused_with_a_message(app, login_as):
    c = login_as("coordinator")
    for name, content, message in (("x.json", "{not json", "JSON 格式有误"),
                                   ("x.json", '{"rows": []}', "JSON 须为"),
                                   ("x.csv", "a,b\n1,2\n", "CSV 表头"),
                                   ("x.csv", "statute,article\n", "文件中没有数据行")):
        response = upload(c, name, content)
        assert response.status_code == 422, name
        assert message in text_of(response)
    no_file = c.post("/library/import", data={"csrf_token": csrf_token(c, "/library/manage")})
    assert no_file.status_code == 422 and "请选择文件" in text_of(no_file)
    latin1 = c.post("/library/import", data={"csrf_token": csrf_token(c, "/library/manage"),
                                              "file": (io.BytesIO("条".encode("gbk")), "x.csv")},
                    content_type="multipart/form-data")
    assert latin1.status_code == 422 and "UTF-8" in text_of(latin1)


def test_only_the_coordinator_imports(app, login_as):
    c = login_as("agency_staff")
    response = c.post("/library/import", data={"csrf_token": csrf_token(c, "/library"),
                                               "file": (io.BytesIO(ARTICLES_CSV.encode()), "s.csv")},
                      content_type="multipart/form-data")
    assert response.status_code == 403
    assert count(Statute) == 0


def test_rows_without_statute_details_keep_those_already_known(app, login_as):
    c = login_as("coordinator")
    assert upload(c, "statutes.csv", ARTICLES_CSV).status_code == 302
    more = "statute,article,text\n《食品经营许可管理办法》,第二十八条,许可证遗失、损坏的，应当申请补办。\n"
    assert upload(c, "more.csv", more).status_code == 302
    rule = db.session.scalar(select(Statute).where(Statute.title == "《食品经营许可管理办法》"))
    assert (rule.kind, rule.issuing_body, rule.repealed_on.isoformat()) == ("rule", "国家食品药品监督管理总局", "2023-12-01")
    assert len(rule.articles) == 2
