"""Domains, agencies and the legal-basis catalogue of the demo program."""
from __future__ import annotations

#: (code, name_zh, name_en)
DOMAINS: tuple[tuple[str, str, str], ...] = (
    ("food_safety", "食品安全", "Food safety"),
    ("work_safety", "安全生产", "Work safety"),
    ("city_management", "城市管理", "City management"),
    ("health", "卫生健康", "Health"),
    ("environment", "生态环境", "Environment"),
    ("market", "市场监管", "Market supervision"),
    ("fire", "消防安全", "Fire safety"),
    ("housing", "住房建设", "Housing and construction"),
    ("transport", "交通运输", "Transport"),
    ("culture", "文化旅游", "Culture and tourism"),
)

#: (slug, name_zh, name_en, short_name, description, domain codes)
AGENCIES: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    ("scjg", "深圳市市场监督管理局龙华监管局", "Longhua Bureau of Shenzhen Market Supervision Administration",
     "市场监管局", "负责辖区食品安全、特种设备、价格、计量和广告等市场监管执法。",
     ("food_safety", "market")),
    ("yjgl", "龙华区应急管理局", "Longhua District Emergency Management Bureau", "应急管理局",
     "负责工贸企业安全生产监督检查和危险化学品安全监管。", ("work_safety",)),
    ("cgj", "龙华区城市管理和综合执法局", "Longhua District Urban Management and Law Enforcement Bureau",
     "城管局", "负责市容环境卫生、占道经营、户外广告和违法建设的综合执法。", ("city_management",)),
    ("wjj", "龙华区卫生健康局", "Longhua District Health Bureau", "卫健局",
     "负责医疗机构、公共场所卫生和职业卫生监督执法，打击非法行医。", ("health",)),
    ("sthj", "深圳市生态环境局龙华管理局", "Longhua Office of Shenzhen Ecology and Environment Bureau",
     "生态环境局", "负责大气、水、噪声和固体废物污染防治监督执法。", ("environment",)),
    ("zjj", "龙华区住房和建设局", "Longhua District Housing and Construction Bureau", "住建局",
     "负责建设工程质量安全、建筑市场和物业管理监督执法。", ("housing", "work_safety")),
    ("xfjy", "深圳市龙华区消防救援大队", "Longhua District Fire and Rescue Brigade", "消防救援大队",
     "负责社会单位消防监督检查、火灾隐患整治和消防宣传。", ("fire",)),
    ("jtj", "深圳市交通运输局龙华管理局", "Longhua Office of Shenzhen Transport Bureau", "交通运输局",
     "负责道路运输、出租车和网约车、机动车维修行业监管执法。", ("transport",)),
    ("jjdd", "深圳市公安局交通警察支队龙华大队", "Longhua Brigade of Shenzhen Traffic Police",
     "交警龙华大队", "负责辖区道路交通秩序管理和交通违法行为查处。", ("transport",)),
    ("wgly", "龙华区文化广电旅游体育局", "Longhua District Culture, Radio, Tourism and Sports Bureau",
     "文广旅体局", "负责文化市场、娱乐场所、网吧和旅游市场综合执法。", ("culture",)),
    ("jyj", "龙华区教育局", "Longhua District Education Bureau", "教育局",
     "负责学校食堂、校园安全和校外培训机构的监督管理。", ("food_safety", "health")),
    ("swj", "龙华区水务局", "Longhua District Water Affairs Bureau", "水务局",
     "负责河道管理、排水许可和水土保持监督执法。", ("environment",)),
    ("ghzy", "深圳市规划和自然资源局龙华管理局", "Longhua Office of Shenzhen Planning and Natural Resources Bureau",
     "规划资源局", "负责土地利用、规划许可和查处违法用地。", ("housing",)),
    ("guanlan", "观澜街道综合行政执法队", "Guanlan Subdistrict Law Enforcement Team", "观澜执法队",
     "观澜街道范围内的综合行政执法和消防安全巡查。", ("city_management", "fire")),
    ("minzhi", "民治街道综合行政执法队", "Minzhi Subdistrict Law Enforcement Team", "民治执法队",
     "民治街道范围内的综合行政执法和市容秩序管理。", ("city_management", "fire")),
    ("fucheng", "福城街道综合行政执法队", "Fucheng Subdistrict Law Enforcement Team", "福城执法队",
     "福城街道范围内的综合行政执法和城中村安全巡查。", ("city_management", "fire")),
)

#: key → (statute, article, excerpt)
LEGAL_BASES: dict[str, tuple[str, str, str]] = {
    "food33": ("《中华人民共和国食品安全法》", "第三十三条",
               "食品生产经营应当符合食品安全标准，具有与生产经营的食品品种、数量相适应的食品原料处理和"
               "食品加工、包装、贮存等场所，保持该场所环境整洁，并与有毒、有害场所以及其他污染源保持规定的距离。"),
    "food45": ("《中华人民共和国食品安全法》", "第四十五条",
               "从事接触直接入口食品工作的食品生产经营人员应当每年进行健康检查，取得健康证明后方可上岗工作。"),
    "food54": ("《中华人民共和国食品安全法》", "第五十四条",
               "食品经营者应当按照保证食品安全的要求贮存食品，定期检查库存食品，"
               "及时清理变质或者超过保质期的食品。"),
    "food126": ("《中华人民共和国食品安全法》", "第一百二十六条",
                "违反本法规定，有下列情形之一的，由县级以上人民政府食品安全监督管理部门责令改正，给予警告；"
                "拒不改正的，处五千元以上五万元以下罚款……"),
    "ws28": ("《中华人民共和国安全生产法》", "第二十八条",
             "生产经营单位应当对从业人员进行安全生产教育和培训，保证从业人员具备必要的安全生产知识，"
             "熟悉有关的安全生产规章制度和安全操作规程。"),
    "ws41": ("《中华人民共和国安全生产法》", "第四十一条",
             "生产经营单位应当建立健全并落实生产安全事故隐患排查治理制度，采取技术、管理措施，"
             "及时发现并消除事故隐患。"),
    "ws102": ("《中华人民共和国安全生产法》", "第一百零二条",
              "生产经营单位未采取措施消除事故隐患的，责令立即消除或者限期消除，处五万元以下的罚款。"),
    "fire16": ("《中华人民共和国消防法》", "第十六条",
               "机关、团体、企业、事业等单位应当履行下列消防安全职责：……保障疏散通道、安全出口、"
               "消防车通道畅通，保证防火防烟分区、防火间距符合消防技术标准。"),
    "fire28": ("《中华人民共和国消防法》", "第二十八条",
               "任何单位、个人不得损坏、挪用或者擅自拆除、停用消防设施、器材，不得埋压、圈占、遮挡消火栓"
               "或者占用防火间距，不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。"),
    "fire60": ("《中华人民共和国消防法》", "第六十条",
               "单位违反本法规定，占用、堵塞、封闭疏散通道、安全出口或者有其他妨碍安全疏散行为的，"
               "责令改正，处五千元以上五万元以下罚款。"),
    "city14": ("《城市市容和环境卫生管理条例》", "第十四条",
               "任何单位和个人都不得在街道两侧和公共场地堆放物料，搭建建筑物、构筑物或者其他设施。"),
    "air69": ("《中华人民共和国大气污染防治法》", "第六十九条",
              "施工单位应当在施工工地设置硬质围挡，并采取覆盖、分段作业、择时施工、洒水抑尘、"
              "冲洗地面和车辆等有效防尘降尘措施。"),
    "water39": ("《中华人民共和国水污染防治法》", "第三十九条",
                "禁止利用渗井、渗坑、裂隙、溶洞，私设暗管，篡改、伪造监测数据，或者不正常运行水污染防治设施"
                "等逃避监管的方式排放水污染物。"),
    "med24": ("《医疗机构管理条例》", "第二十四条",
              "任何单位或者个人，未取得《医疗机构执业许可证》或者未经备案，不得开展诊疗活动。"),
    "price13": ("《中华人民共和国价格法》", "第十三条",
                "经营者销售、收购商品和提供服务，应当按照政府价格主管部门的规定明码标价，"
                "注明商品的品名、产地、规格、等级、计价单位、价格或者服务的项目、收费标准等有关情况。"),
    "build39": ("《中华人民共和国建筑法》", "第三十九条",
                "建筑施工企业应当在施工现场采取维护安全、防范危险、预防火灾等措施；"
                "有条件的，应当对施工现场实行封闭管理。"),
    "road56": ("《中华人民共和国道路交通安全法》", "第五十六条",
               "机动车应当在规定地点停放。禁止在人行道上停放机动车；但是，依照本法第三十三条规定施划的"
               "停车泊位除外。"),
    "minor58": ("《中华人民共和国未成年人保护法》", "第五十八条",
                "学校、幼儿园周边不得设置营业性娱乐场所、酒吧、互联网上网服务营业场所等不适宜未成年人"
                "活动的场所。……不得允许未成年人进入。"),
}
