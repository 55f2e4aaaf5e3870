"""Builders for the library tests: real statutes (食品安全法, 消防法), an item with its standard, cases."""
from __future__ import annotations

from datetime import date

from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.legal.models import DiscretionLevel, EnforcementItem, LegalBasis, Statute
from app.live.models import LiveNote

FOOD_LAW = "《中华人民共和国食品安全法》"
FIRE_LAW = "《中华人民共和国消防法》"


def statute(title: str = FOOD_LAW, **fields) -> Statute:
    """A statute (a law of the NPC Standing Committee unless told)."""
    s = Statute(title=title, kind=fields.pop("kind", "law"),
                issuing_body=fields.pop("issuing_body", "全国人民代表大会常务委员会"), **fields)
    db.session.add(s)
    db.session.flush()
    return s


def article(owner: Statute, number: str, text: str, **fields) -> LegalBasis:
    """An article of a statute."""
    b = LegalBasis(statute=owner, article=number, excerpt=text, **fields)
    db.session.add(b)
    db.session.flush()
    return b


def catalogue() -> dict:
    """The food safety and fire protection articles the tests search for."""
    food, fire = statute(FOOD_LAW, effective_on=date(2015, 10, 1)), statute(FIRE_LAW)
    out = {
        "food35": article(food, "第三十五条", "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，"
                                          "应当依法取得许可。"),
        "food45": article(food, "第四十五条", "从事接触直接入口食品工作的食品生产经营人员应当每年进行健康检查，"
                                          "取得健康证明后方可上岗工作。"),
        "food122": article(food, "第一百二十二条", "违反本法规定，未取得食品生产经营许可从事食品生产经营活动的，"
                                              "没收违法所得……并处五万元以上十万元以下罚款。"),
        "fire28": article(fire, "第二十八条", "任何单位、个人不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。"),
        "fire60": article(fire, "第六十条", "单位占用、堵塞、封闭疏散通道、安全出口的，责令改正，"
                                        "处五千元以上五万元以下罚款。"),
    }
    permits = statute("《食品经营许可和备案管理办法》", kind="rule", issuing_body="国家市场监督管理总局")
    out["permit4"] = article(permits, "第四条", "在中华人民共和国境内从事食品销售和餐饮服务活动，应当依法取得食品经营许可。")
    out["food"], out["fire"] = food, fire
    return out


def item(agency, bases: list[LegalBasis], *, code: str = "330217001",
         name: str = "对未取得食品经营许可从事食品经营活动的行政处罚") -> EnforcementItem:
    """An enforcement item with a three-step discretion standard."""
    i = EnforcementItem(code=code, name=name, domain_id=agency.domains[0].id, agency_id=agency.id,
                        description="无证从事食品销售或餐饮服务。", bases=bases, circumstances=[
                            DiscretionLevel(position=0, circumstance="首次违法，及时改正", penalty="处五万元以上六万元以下罚款"),
                            DiscretionLevel(position=1, circumstance="货值金额一千元以上", penalty="处六万元以上八万元以下罚款"),
                            DiscretionLevel(position=2, circumstance="情节严重", penalty="处八万元以上十万元以下罚款")])
    db.session.add(i)
    db.session.flush()
    return i


def note(episode, author, basis: LegalBasis, body: str, offset: int) -> LiveNote:
    """A live note citing an article, at a moment of the replay."""
    n = LiveNote(episode_id=episode.id, author_id=author.id, body=body, legal_basis_id=basis.id,
                 offset_seconds=offset, created_at=clock.now())
    db.session.add(n)
    db.session.flush()
    return n


def coordinator(users):
    """The coordinator as an actor."""
    return actor_for(users["coordinator"])
