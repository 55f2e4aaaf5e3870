"""The two demo polls: the decided one behind episode 13 and the open one for episode 14."""
from __future__ import annotations

#: (title, domain code, place kind, description, relative weight of online votes)
Topic = tuple[str, str, str, str, int]

DECIDED_TITLE = "第13期民意征集：您身边最让人担心的安全隐患"
DECIDED_DESCRIPTION = "选出第13期执播的执法主题。得票最高的主题将由区司法局确定执法单位并安排直播。"
DECIDED_TOPICS: tuple[Topic, ...] = (
    ("小区电动自行车充电安全隐患", "fire", "residential",
     "楼道停放、入户充电、飞线充电屡禁不止，希望执法部门进小区查一查。", 16),
    ("奶茶店、烘焙店原料过期问题", "food_safety", "canteen", "网红饮品店生意火爆，原料管理是否规范？", 6),
    ("老旧小区燃气管道安全", "work_safety", "residential", "老旧小区燃气管道老化，餐饮店气瓶存放不规范。", 4),
    ("学校周边流动摊贩", "city_management", "street", "放学时段校门口摊贩聚集，食品卫生和交通都有隐患。", 3),
)

OPEN_TITLE = "第14期民意征集：下一期执播去哪里，您来点单"
OPEN_DESCRIPTION = ("每人最多可投3票（不同主题各1票）。线下投票箱设在各街道党群服务中心，"
                    "线下票数由区司法局录入并注明来源。您也可以提出新的选题，审核通过后加入投票。")
OPEN_TOPICS: tuple[Topic, ...] = (
    ("外卖“幽灵厨房”卫生状况", "food_safety", "canteen", "外卖平台上的小作坊后厨，卫生条件到底怎么样？", 9),
    ("养老机构消防与食品安全", "fire", "other", "老人行动不便，养老院的消防通道和食堂尤其要管好。", 7),
    ("KTV、密室逃脱等娱乐场所安全", "culture", "other", "密室逃脱场景封闭，应急出口和消防设施是否到位？", 5),
    ("共享单车乱停放与占道", "city_management", "street", "地铁口共享单车堆积，占用盲道和人行道。", 4),
    ("医美机构无证执业", "health", "other", "小区里的美容工作室打针、做项目，有没有资质？", 6),
    ("夜间施工噪音扰民", "environment", "construction", "工地夜里施工到凌晨，居民休息受影响。", 3),
)

#: (title, domain, place kind, description, proposer index among the citizens)
PENDING_PROPOSALS: tuple[tuple[str, str, str, str, int], ...] = (
    ("小区游泳池水质卫生", "health", "residential", "夏天小区泳池人多，水质检测是否达标、救生员是否在岗？", 5),
    ("驾校培训收费不透明", "market", "other", "报名时说一口价，后面又收各种补考费、练车费。", 12),
)

#: (title, domain, place kind, description, proposer index, rejection reason)
REJECTED_PROPOSAL = ("某某小区物业费太贵", "housing", "residential", "物业费每年都涨，服务却越来越差。", 8,
                     "物业收费属于业主与物业服务企业之间的合同事项，不属于行政执法直播范围；"
                     "已转区住房和建设局物业管理部门答复。")

#: (topic index in OPEN_TOPICS, source, count, days before now collected)
OPEN_TALLIES: tuple[tuple[int, str, int, int], ...] = (
    (0, "观澜街道办事处", 86, 3),
    (1, "纸质投票箱（民治街道党群服务中心）", 64, 2),
    (4, "纸质投票箱（龙华街道党群服务中心）", 41, 1),
)
