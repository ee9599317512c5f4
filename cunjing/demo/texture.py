"""The texture of the demo's simulated field records: where floating residents come from,
employers, notes of visits, stories of services and help given, topics of lessons, prevention
activities, volunteers' skills, reflections for the work logs, and the episodes of the source
(``STORIES``) that a few records retell. The names and phone prefixes are ``wugang``'s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from cunjing.fieldwork.models import (
    HardshipKind,
    PreventionKind,
    ServiceKind,
    VenueKind,
    VisitPurpose,
)

# Where floating residents come from: (region code of the ID number, place of origin). Mostly
# neighbouring provinces, some other prefectures of Henan. Every code is a county-level code
# that ``validate_id_number`` accepts (tested).
ORIGINS: tuple[tuple[str, str], ...] = (
    ("420102", "湖北省武汉市江岸区"),
    ("420111", "湖北省武汉市洪山区"),
    ("420303", "湖北省十堰市张湾区"),
    ("420602", "湖北省襄阳市襄城区"),
    ("420683", "湖北省襄阳市枣阳市"),
    ("421002", "湖北省荆州市沙市区"),
    ("421102", "湖北省黄冈市黄州区"),
    ("341202", "安徽省阜阳市颍州区"),
    ("341221", "安徽省阜阳市临泉县"),
    ("341222", "安徽省阜阳市太和县"),
    ("341226", "安徽省阜阳市颍上县"),
    ("341282", "安徽省阜阳市界首市"),
    ("341602", "安徽省亳州市谯城区"),
    ("341621", "安徽省亳州市涡阳县"),
    ("341302", "安徽省宿州市埇桥区"),
    ("371302", "山东省临沂市兰山区"),
    ("371321", "山东省临沂市沂南县"),
    ("371702", "山东省菏泽市牡丹区"),
    ("371721", "山东省菏泽市曹县"),
    ("130402", "河北省邯郸市邯山区"),
    ("510107", "四川省成都市武侯区"),
    ("511302", "四川省南充市顺庆区"),
    ("511621", "四川省广安市岳池县"),
    ("511902", "四川省巴中市巴州区"),
    ("360781", "江西省赣州市瑞金市"),
    ("431202", "湖南省怀化市鹤城区"),
    ("500230", "重庆市丰都县"),
    ("610302", "陕西省宝鸡市渭滨区"),
    ("411302", "河南省南阳市宛城区"),
    ("411328", "河南省南阳市唐河县"),
    ("411381", "河南省南阳市邓州市"),
    ("411722", "河南省驻马店市上蔡县"),
    ("411729", "河南省驻马店市新蔡县"),
    ("411625", "河南省周口市郸城县"),
    ("411628", "河南省周口市鹿邑县"),
    ("411426", "河南省商丘市夏邑县"),
    ("411521", "河南省信阳市罗山县"),
)
EMPLOYERS = (
    "舞阳钢铁有限责任公司",
    "舞钢市宏达建筑工程有限公司",
    "舞钢市顺通物流有限公司",
    "舞钢市华联超市",
    "舞钢市石漫滩水库景区",
    "舞钢市新型建材厂",
    "舞钢市家家乐饭店",
    "舞钢市鑫源铸造厂",
    "个体经营（蔬菜批发）",
    "个体经营（装修）",
    "",
    "",
)
VISIT_NOTES = (
    "",
    "",
    "家中老人身体好，子女在外务工",
    "了解家庭人口情况，宣传防盗防骗知识",
    "户主反映夜间路灯不亮，已转告村委会",
    "提醒妥善保管电动车，安装防盗锁",
    "留守老人独居，嘱咐邻居多照看",
    "宣传电信诈骗常见手法",
    "核实实有人口信息，无变化",
    "邻里关系和睦，无矛盾隐患",
    "提醒冬季取暖注意煤气中毒",
    "登记新建房屋一处",
)
FOLLOW_UP_NOTES = (
    "两户因宅基地边界有争执，需约双方调解",
    "反映有陌生人夜间在村口徘徊，需核查",
    "独居老人行动不便，需协调民政帮扶",
    "租户身份信息未登记，需补登",
    "反映电动三轮车被盗，需回访了解线索",
)
SERVICE_STORIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # kind: (beneficiary pattern, description, outcome); {s} is a surname.
    ServiceKind.HOUSEHOLD_REGISTRATION: (
        ("{s}老汉", "孩子缺出生医学证明，户口迟迟未办，民警调查核实后协助完善手续", "已落户"),
        ("{s}大娘", "孙子随父母返乡，帮助办理户口迁入", "已办结"),
        ("{s}家", "帮助办理分户手续", "已办结"),
    ),
    ServiceKind.LOST_PERSON: (
        ("{s}奶奶", "雨夜发现迷路的八旬老人在小巷徘徊，护送其回家", "已交家属"),
        ("{s}大爷", "患阿尔茨海默病的老人走失，民警与家属一同寻找并送回", "已交家属"),
        ("{s}小朋友", "放学路上走失的孩子，民警联系家长接回", "已交家长"),
    ),
    ServiceKind.ELDERLY: (
        ("{s}老汉", "为独居老人挑水、劈柴，检查取暖设施", "老人表示感谢"),
        ("{s}奶奶", "帮助行动不便的老人到医院看病", "已就诊"),
        ("{s}大爷", "为孤寡老人代购生活用品", "已送到"),
    ),
    ServiceKind.DOCUMENTS: (
        ("{s}某", "上门为卧床老人采集照片办理身份证", "证件已送达"),
        ("{s}某", "帮助外出务工人员办理居住证", "已办结"),
        ("{s}某", "协助补办遗失的身份证", "已受理"),
    ),
    ServiceKind.OTHER: (
        ("{s}家", "帮助寻回走失的耕牛", "已寻回"),
        ("{s}某", "雨天为村民拖出陷入泥坑的农用车", "已解决"),
        ("{s}某", "帮助找回遗失的钱包并归还失主", "已归还"),
    ),
}
SERVICE_KIND_WEIGHTS = (
    (ServiceKind.HOUSEHOLD_REGISTRATION, 20),
    (ServiceKind.LOST_PERSON, 10),
    (ServiceKind.ELDERLY, 35),
    (ServiceKind.DOCUMENTS, 20),
    (ServiceKind.OTHER, 15),
)
HARDSHIP_HELP = {
    HardshipKind.ILLNESS: ("送去慰问金500元，联系村医定期上门", "协助申请大病救助"),
    HardshipKind.DISABILITY: ("帮助申领残疾人补贴", "送去轮椅一辆和米面油"),
    HardshipKind.ELDERLY_ALONE: ("送去米面油和棉被，嘱咐邻居照看", "帮助修缮漏雨房屋"),
    HardshipKind.LEFT_BEHIND_CHILDREN: ("送去书包文具，与学校老师沟通", "结对帮扶，定期家访"),
    HardshipKind.POVERTY: ("送去米面油和慰问金300元", "联系企业提供就业岗位"),
    HardshipKind.DISASTER: ("房屋受损，协调临时住所", "送去衣物被褥"),
    HardshipKind.OTHER: ("送去慰问品", "帮助联系有关部门解决困难"),
}
HARDSHIP_WEIGHTS = (30, 15, 20, 15, 12, 3, 5)
OUTREACH_TOPICS = (
    "防范电信网络诈骗",
    "交通安全常识",
    "禁毒知识",
    "校园安全防范教育",
    "防盗防抢，防范“两抢一盗”",
    "消防安全",
    "网络安全与个人信息保护",
    "未成年人保护法",
    "反邪教宣传",
    "治安管理处罚法",
)
PREVENTION_TEXT = {
    PreventionKind.PATROL: (
        "组织治保人员夜间巡逻，重点巡查村内路口和空巢户",
        "参加打击“两抢一盗”二级巡控统一行动",
        "与巡防队员沿村道巡逻，检查电动车停放点",
    ),
    PreventionKind.WATCH: (
        "在集市设治安执勤点",
        "重点时段在学校门口护学岗执勤",
        "组织群众义务看护村内变压器和电缆",
    ),
    PreventionKind.PUBLICITY: (
        "张贴防诈骗、防盗宣传彩页",
        "在村广播播放安全防范提示",
        "入户发放防盗宣传资料",
    ),
    PreventionKind.OTHER: (
        "排查治安隐患，检查出租房屋",
        "检查辖区烟花爆竹存放点",
    ),
}
PREVENTION_WEIGHTS = (45, 20, 25, 10)
VOLUNTEER_SKILLS = (
    "治安巡逻",
    "信息员",
    "矛盾调解",
    "退休教师",
    "村医",
    "退伍军人",
    "护学岗",
    "",
)
REFLECTIONS = (
    "群众对民警下村普遍欢迎。",
    "要多走多看多听，把群众的事放在心上。",
    "明天继续走访未到的住户。",
    "村里治安平稳，无异常情况。",
    "天冷了，要多关心独居老人。",
    "与两员沟通本周巡逻安排。",
    "整理本周走访情况，准备向中心警务室汇报。",
)


@dataclass(frozen=True)
class Story:
    """A record retelling an episode of the source, if its area exists and its day is
    simulated."""

    kind: str
    day: dt.date
    area_name: str
    fields: Mapping[str, object]


STORIES = (
    Story(
        "visit",
        dt.date(2014, 9, 9),
        "刘沟村",
        {
            "household": "刘沟村张湾组",
            "purpose": VisitPurpose.INFORMATION,
            "notes": "了解到有前科人员王某有一辆来历不明的电动三轮车，已报所里核查",
            "contact_card_given": True,
            "follow_up_needed": True,
        },
    ),
    Story(
        "service",
        dt.date(2014, 10, 29),
        "夕阳红社区",
        {
            "kind": ServiceKind.LOST_PERSON,
            "beneficiary": "八旬老太",
            "description": "雨夜发现八旬痴呆老太迷失在小巷中，民警一路搀扶，护送她回家",
            "outcome": "已交家属",
        },
    ),
    Story(
        "service",
        dt.date(2014, 11, 25),
        "瓦房沟村",
        {
            "kind": ServiceKind.HOUSEHOLD_REGISTRATION,
            "beneficiary": "朱老汉",
            "description": "朱老汉三个孩子因不能提供出生医学证明，户口迟迟不能办理，均已到上学"
            "年龄。民警多方努力、调查核实后，完善手续为三个孩子办理了户口",
            "outcome": "三个孩子已落户，解决了上学难问题",
        },
    ),
    Story(
        "outreach",
        dt.date(2014, 12, 9),
        "夕阳红社区",
        {
            "venue_kind": VenueKind.SCHOOL,
            "venue": "舞钢市教师进修学校",
            "topic": "让祖国的花朵灿烂绽放——校园安全防范教育",
            "audience_size": 300,
        },
    ),
)
