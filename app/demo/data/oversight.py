"""Observer notes (监督意见) and the agencies' answers."""
from __future__ import annotations

#: (episode number, observer index, agency slug, aspect, visibility, body, answer or None)
NOTES: tuple[tuple[int, int, str, str, str, str, str | None], ...] = (
    (2, 10, "yjgl", "procedure", "public",
     "执法人员检查前出示证件、告知权利，程序规范；建议现场笔录由当事人逐页签名确认，避免事后争议。",
     "感谢监督。我局已要求执法人员现场笔录逐页签名确认，并将本期视频纳入执法规范化培训教材。"),
    (5, 5, "wjj", "legal_basis", "public",
     "对无证行医的定性准确。建议在直播中同步说明先行登记保存证据的法律依据，便于观众理解执法程序。",
     "已采纳。后续直播将在图文讲解中同步展示《行政处罚法》关于证据先行登记保存的规定。"),
    (6, 8, "xfjy", "attitude", "public",
     "夜查时对老人租户讲解耐心，态度很好。希望多在城中村建集中充电点，不要只罚不疏。",
     "感谢肯定。已会同福城街道在某某村新增2处电动自行车集中充电点，共120个充电口。"),
    (8, 3, "zjj", "fairness", "public",
     "劳务分包单位的问题，总承包单位同样负有管理责任，建议一并约谈，避免只罚“小的”。",
     "已约谈总承包单位项目负责人，并对其安全管理责任落实情况开展专项检查。"),
    (10, 0, "wgly", "other", "public",
     "校园周边场所整治需要常态化，建议与教育部门、街道建立联合巡查机制，寒暑假前重点检查。",
     "已与区教育局、各街道建立季度联合巡查机制，首轮巡查将于寒假前完成。"),
    (11, 0, "scjg", "procedure", "public",
     "执法人员对食品留样的检查很细致。建议将食堂承包企业的资质和抽检结果向家长公开。", None),
    (12, 6, "sthj", "legal_basis", "coordinator",
     "私设暗管排放的行为可能涉嫌污染环境罪，建议在检测结果出具后及时评估是否移送公安机关。", None),
)
