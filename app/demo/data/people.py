"""Demo accounts, observers and the generic comments viewers post."""
from __future__ import annotations

#: The coordinator's and the admin's accounts: (username, display name, role).
OFFICE_USERS: tuple[tuple[str, str, str], ...] = (
    ("sfj", "龙华区司法局执播办", "coordinator"),
    ("admin", "平台管理员", "admin"),
)

#: Agency staff accounts: (username, display name, agency slug).
STAFF_USERS: tuple[tuple[str, str, str], ...] = (
    ("scjg", "市场监管局 陈志强", "scjg"),
    ("yjgl", "应急管理局 刘振东", "yjgl"),
    ("cgj", "城管局 黄伟明", "cgj"),
    ("xfjy", "消防救援大队 周俊", "xfjy"),
    ("sthj", "生态环境局 林海燕", "sthj"),
    ("wjj", "卫健局 吴晓丽", "wjj"),
    ("zjj", "住建局 郑国栋", "zjj"),
    ("wgly", "文广旅体局 何丽萍", "wgly"),
)

#: The observer demo login, bound to the first observer below.
OBSERVER_USER = ("observer", "王建华（区人大代表）")

#: (name, kind, organisation, contact)
OBSERVERS: tuple[tuple[str, str, str, str], ...] = (
    ("王建华", "deputy", "龙华区人大代表（观澜街道选区）", "wangjh@example.org"),
    ("李秀芳", "deputy", "深圳市人大代表（龙华代表团）", "lixf@example.org"),
    ("张国庆", "deputy", "龙华区人大代表（民治街道选区）", "zhanggq@example.org"),
    ("赵敏", "cppcc", "龙华区政协委员（民盟界别）", "zhaomin@example.org"),
    ("孙立群", "cppcc", "龙华区政协委员（经济界别）", "sunlq@example.org"),
    ("何文静", "expert", "深圳大学法学院 副教授", "hewj@example.org"),
    ("邓志远", "expert", "广东某某律师事务所 执业律师", "dengzy@example.org"),
    ("罗佳", "expert", "深圳职业技术大学 食品检测专业教师", "luojia@example.org"),
    ("陈阿姨", "citizen", "观澜街道 热心市民", "138****2201"),
    ("梁晓峰", "citizen", "民治街道 社区志愿者", "139****5108"),
    ("钟伟", "supervisor", "深圳市特邀行政执法监督员", "zhongwei@example.org"),
    ("彭丽华", "supervisor", "龙华区特邀行政执法监督员", "penglh@example.org"),
)

#: Number of demo citizen accounts (citizen01 … citizen40); citizen01 is the public demo login.
CITIZEN_COUNT = 40

#: Display names of the demo citizens, cycled.
CITIZEN_NAMES: tuple[str, ...] = (
    "龙华街坊小陈", "观澜阿强", "民治上班族", "大浪妈妈", "福城老李", "观湖小周", "清湖打工人",
    "红山业主", "龙胜阿姨", "上塘小林", "牛湖奶茶控", "景龙跑者", "樟坑径居民", "新澜小吴",
    "桂花社区老王", "库坑小黄", "松元厦小徐", "章阁宝妈", "瓦窑排小邓", "水斗小彭",
)

#: Comments any episode can get, mixed with its own.
GENERIC_COMMENTS: tuple[str, ...] = (
    "支持执播！执法过程全程公开，看得明明白白。",
    "不打码不剪辑，这才是真正的阳光执法。",
    "执法人员讲法讲得很清楚，学到了。",
    "希望回头看的时候也能直播一下。",
    "点赞！问题当场指出，整改期限也说清楚了。",
    "我家就在附近，以后会留意的。",
    "执法态度很好，有理有据。",
    "这期选题是我们投票选出来的，感谢采纳民意。",
    "建议多去城中村看看，问题可能更多。",
    "已转发到小区业主群。",
)
