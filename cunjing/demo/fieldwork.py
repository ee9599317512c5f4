"""The demo county's field work, simulated: what 217 beat officers recorded from the mechanism's
start (2014-09-01) to today, calibrated on the source's results table.

``simulate(bureau, start=…, end=…, seed=…)`` writes, for every beat officer of ``bureau`` and
every day, the household visits, floating residents, good deeds, hardship households helped,
legal-education events, volunteers, prevention activities and work logs the officer recorded.
It is deterministic: the same bureau, range and seed give the same records (ids aside; records
dated today get a ``created_at`` no later than now).

**Three phases.**

- *Launch* (``SOURCE_FROM``–``SOURCE_TO``, the source's 2014-09-01 to 2015-01-20): the bureau's
  totals hit the source table (``SOURCE_FIGURES``) by construction: each kind's total is drawn
  once (the source's figure, plus up to 0.8 % where it says "余"), split between officers with a
  seeded multinomial (officers differ in diligence; community officers register more floating
  residents) and then between days (``day_weight``: the mechanism ramps up through September
  2014, fewer records on weekends, 中秋, 国庆 and 元旦). Essentially every visit hands out the
  contact card (the source counts 51,700 of each). Hardship households' people sum to exactly
  the source's 1,953. A handful of records retell the source's stories (朱老汉's household
  registration on 2014-11-25, the lost old woman walked home on 2014-10-29, the school lesson of
  2014-12-09, the tip about a stolen tricycle on 2014-09-09) where those villages exist.
- *Between* (2015-01-21 until a year before ``end``): a thin stream, ``BETWEEN_FACTOR`` of the
  launch rate (Poisson per officer and day), so that charts over the years are not empty but
  the demo stays small.
- *Recent* (the last ``RECENT_DAYS`` days up to ``end``): the mature mechanism at
  ``RECENT_FACTOR`` of the launch rate, with a work log on nearly every working day. Officers who
  have an account someone can sign in with (the demo's ``beat-officer``) get records on each of
  the last ``SPOTLIGHT_DAYS`` days, some of them needing a follow-up, so their "today" is alive.

Work logs: in the launch and recent phases one per officer per working day (and on any other
day with records); in between only on days with records. The text summarises the day's records.

**Volume** (measured 2026-11-30, seed 2014, 217 officers): about 257,000 rows — 83,000 in the
launch, ~6,500 a year in between, ~85,000 in the last year (112,000 visits and 122,000 work logs
in all) — and 241,000 daily plus 56,000 monthly counters. The whole ``manage.py demo`` took
160 s on SQLite (60 s of CPU; the 2-core machine was shared, load ~9), ~280 s on PostgreSQL under
the same load. The volume is set by ``BETWEEN_FACTOR``, ``RECENT_FACTOR`` and ``RECENT_DAYS``.

**Speed, and what is not done per record.** Rows are written with ``bulk_create`` month by
month, not through the ``fieldwork.services`` create functions: those check scope, write one
audit event and upsert the counters per record, far too slow for ~200,000 rows. Instead:

- the roll-up counters are recomputed once at the end from the raw records
  (``stats.services.rebuild`` over the simulated range), so they equal a recount by
  construction;
- the audit trail gets ONE event per stage (action ``demo.simulate``, actor ``None`` = the
  system) with the stage, its date range and the number of rows of each kind, plus the rebuild's
  own ``stats.rebuild`` event — not one event per record;
- beat officers without an account get one (``demo.simulate`` stage ``accounts``): records need
  ``recorded_by``. Those accounts have an unusable password (a security administrator sets one
  before anyone can sign in).

Records get ``unit`` = the unit serving the area (as ``fieldwork.services.serving_unit``
chooses it for the officer), ``officer`` = the beat officer, ``recorded_by`` = the officer's
account and a ``client_uuid`` drawn from the seeded generator.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from stdnum.cn import ric

from cunjing.accounts.models import User
from cunjing.core import audit
from cunjing.core.roles import Role
from cunjing.demo import wugang
from cunjing.fieldwork.models import (
    Assistance,
    FloatingResident,
    HardshipKind,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    PreventionKind,
    Service,
    ServiceKind,
    VenueKind,
    VisitPurpose,
    Volunteer,
    WorkLog,
)
from cunjing.org.models import AreaKind, Beat, Bureau, Coverage, Officer, Unit, UnitKind
from cunjing.stats.models import DailyCount
from cunjing.stats.services import RebuildResult, rebuild

# --- The source's figures and the phases ----------------------------------------------------

SOURCE_FROM = dt.date(2014, 9, 1)
SOURCE_TO = dt.date(2015, 1, 20)
SOURCE_OFFICERS = 217

# 截至2015年1月20日 (the results table of the source; matters and disputes did not exist yet).
SOURCE_FIGURES: dict[str, int] = {
    "volunteers": 3434,
    "visits": 51700,
    "matters": 0,
    "disputes_mediated": 0,
    "floating_residents": 1000,
    "contact_cards": 51700,
    "assisted_households": 651,
    "assisted_people": 1953,
    "services": 300,
}

KINDS = ("visit", "floating", "service", "assistance", "outreach", "volunteer", "prevention")

# Records of each kind in the launch phase for SOURCE_OFFICERS officers (scaled to the bureau's
# number of beat officers). Outreach and prevention are not in the source's table: about one
# lesson a month and one patrol or watch a week per officer (the source's weekly 二级巡控).
LAUNCH_RECORDS: dict[str, int] = {
    "visit": SOURCE_FIGURES["visits"],
    "floating": SOURCE_FIGURES["floating_residents"],
    "service": SOURCE_FIGURES["services"],
    "assistance": SOURCE_FIGURES["assisted_households"],
    "outreach": 950,
    "volunteer": SOURCE_FIGURES["volunteers"],
    "prevention": 4400,
}
# Kinds the source counts with "余" (51700余, 1000余, 300余): up to SURPLUS more.
SURPLUS_KINDS = frozenset({"visit", "floating", "service", "outreach", "prevention"})
SURPLUS = 0.008

BETWEEN_FACTOR = 0.02
RECENT_FACTOR = 0.2
RECENT_DAYS = 365
SPOTLIGHT_DAYS = 7
# Contact cards after the launch: most households already have one.
LATER_CARD_SHARE = 0.35
FOLLOW_UP_SHARE = 0.06
SPOTLIGHT_FOLLOW_UP_SHARE = 0.3

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_DAY = dt.timedelta(days=1)

# Public holidays (the days off), for the texture of the series.
_SPRING_FESTIVAL = {
    2015: dt.date(2015, 2, 19),
    2016: dt.date(2016, 2, 8),
    2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16),
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
}
_MID_AUTUMN_2014 = dt.date(2014, 9, 8)


def is_holiday(day: dt.date) -> bool:
    """元旦 (Jan 1–3), 劳动节 (May 1–3), 国庆 (Oct 1–7), 春节 (eve to the 6th day), 中秋 2014."""
    md = (day.month, day.day)
    if (1, 1) <= md <= (1, 3) or (5, 1) <= md <= (5, 3) or (10, 1) <= md <= (10, 7):
        return True
    if day == _MID_AUTUMN_2014:
        return True
    festival = _SPRING_FESTIVAL.get(day.year)
    return festival is not None and -1 <= (day - festival).days <= 5


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def day_weight(day: dt.date) -> float:
    """How busy a day is, relative to an ordinary working day of the running mechanism."""
    weight = 1.0
    if day.weekday() == 5:
        weight = 0.55
    elif day.weekday() == 6:
        weight = 0.45
    if is_holiday(day):
        weight *= 0.3
    if SOURCE_FROM <= day < dt.date(2014, 10, 1):
        # The mechanism ramps up through September 2014: 35 % on the first day, full on the 30th.
        weight *= 0.35 + 0.65 * (day - SOURCE_FROM).days / 29
    return weight


# --- Texture ----------------------------------------------------------------------------------

_SURNAMES = wugang.SURNAMES
_GIVEN_MALE = wugang.GIVEN_MALE
_GIVEN_FEMALE = wugang.GIVEN_FEMALE
_MOBILE_PREFIXES = wugang.MOBILE_PREFIXES

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
_EMPLOYERS = (
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
_VISIT_NOTES = (
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
_FOLLOW_UP_NOTES = (
    "两户因宅基地边界有争执，需约双方调解",
    "反映有陌生人夜间在村口徘徊，需核查",
    "独居老人行动不便，需协调民政帮扶",
    "租户身份信息未登记，需补登",
    "反映电动三轮车被盗，需回访了解线索",
)
_SERVICE_STORIES: dict[str, tuple[tuple[str, str, str], ...]] = {
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
_SERVICE_KIND_WEIGHTS = (
    (ServiceKind.HOUSEHOLD_REGISTRATION, 20),
    (ServiceKind.LOST_PERSON, 10),
    (ServiceKind.ELDERLY, 35),
    (ServiceKind.DOCUMENTS, 20),
    (ServiceKind.OTHER, 15),
)
_HARDSHIP_HELP = {
    HardshipKind.ILLNESS: ("送去慰问金500元，联系村医定期上门", "协助申请大病救助"),
    HardshipKind.DISABILITY: ("帮助申领残疾人补贴", "送去轮椅一辆和米面油"),
    HardshipKind.ELDERLY_ALONE: ("送去米面油和棉被，嘱咐邻居照看", "帮助修缮漏雨房屋"),
    HardshipKind.LEFT_BEHIND_CHILDREN: ("送去书包文具，与学校老师沟通", "结对帮扶，定期家访"),
    HardshipKind.POVERTY: ("送去米面油和慰问金300元", "联系企业提供就业岗位"),
    HardshipKind.DISASTER: ("房屋受损，协调临时住所", "送去衣物被褥"),
    HardshipKind.OTHER: ("送去慰问品", "帮助联系有关部门解决困难"),
}
_HARDSHIP_WEIGHTS = (30, 15, 20, 15, 12, 3, 5)
_OUTREACH_TOPICS = (
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
_PREVENTION_TEXT = {
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
_PREVENTION_WEIGHTS = (45, 20, 25, 10)
_VOLUNTEER_SKILLS = (
    "治安巡逻",
    "信息员",
    "矛盾调解",
    "退休教师",
    "村医",
    "退伍军人",
    "护学岗",
    "",
)
_REFLECTIONS = (
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


# --- The bureau as the simulation sees it ---------------------------------------------------


@dataclass
class BeatArea:
    area_id: int
    name: str
    kind: str
    unit_id: int  # the unit serving it, for this officer
    weight: float


@dataclass
class SimOfficer:
    officer_id: int
    name: str
    unit_id: int
    user_id: int | None
    signs_in: bool  # has an account someone can sign in with
    areas: list[BeatArea]
    first_day: dt.date
    last_day: dt.date | None  # exclusive
    community: bool

    def active(self, day: dt.date) -> bool:
        return day >= self.first_day and (self.last_day is None or day < self.last_day)


def _serving_units(bureau: Bureau) -> dict[int, list[tuple[int, str]]]:
    """Area id → [(unit id, unit path)] of the workstations and offices serving it, in the
    order ``fieldwork.services.serving_unit`` tries them."""
    served: dict[int, list[tuple[int, str]]] = {}
    for area_id, unit_id, path in (
        Coverage.objects.filter(
            bureau=bureau, unit__kind__in=[UnitKind.WORKSTATION, UnitKind.OFFICE]
        )
        .order_by("-unit__depth", "unit__path")
        .values_list("area_id", "unit_id", "unit__path")
    ):
        served.setdefault(area_id, []).append((unit_id, path))
    return served


def load_officers(bureau: Bureau, *, start: dt.date, end: dt.date) -> list[SimOfficer]:
    """The beat officers with a beat overlapping ``start``–``end``, in badge order."""
    served = _serving_units(bureau)
    beats = (
        Beat.objects.filter(bureau=bureau, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        .select_related("officer", "officer__unit", "area")
        .order_by("officer__badge_number", "area__path")
    )
    users = dict(
        User.objects.filter(bureau=bureau, officer__isnull=False).values_list("officer_id", "id")
    )
    signs_in = set(
        User.objects.filter(bureau=bureau, officer__isnull=False, is_active=True)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .values_list("officer_id", flat=True)
    )
    officers: dict[int, SimOfficer] = {}
    for beat in beats:
        units = served.get(beat.area_id)
        if not units:
            continue
        own = beat.officer.unit.path
        unit_id = next((u for u, path in units if path.startswith(own)), units[0][0])
        o = officers.get(beat.officer_id)
        if o is None:
            o = officers[beat.officer_id] = SimOfficer(
                officer_id=beat.officer_id,
                name=beat.officer.name,
                unit_id=beat.officer.unit_id,
                user_id=users.get(beat.officer_id),
                signs_in=beat.officer_id in signs_in,
                areas=[],
                first_day=beat.start_date,
                last_day=beat.end_date,
                community=False,
            )
        else:
            o.first_day = min(o.first_day, beat.start_date)
            if o.last_day is not None:
                o.last_day = None if beat.end_date is None else max(o.last_day, beat.end_date)
        o.areas.append(
            BeatArea(
                beat.area_id, beat.area.name, beat.area.kind, unit_id, 2.0 if beat.is_lead else 1.0
            )
        )
        o.community = o.community or beat.area.kind == AreaKind.COMMUNITY
    return list(officers.values())


def create_accounts(bureau: Bureau, officers: list[SimOfficer]) -> list[str]:
    """Give every simulated officer without an account one (bulk; unusable password, so nobody
    can sign in with it until a security administrator sets a password). Returns the new
    usernames."""
    missing = [o for o in officers if o.user_id is None]
    if not missing:
        return []
    by_id = Officer.objects.in_bulk([o.officer_id for o in missing])
    users = [
        User(
            username=f"{bureau.code}-{by_id[o.officer_id].badge_number}",
            password=make_password(None),
            full_name=o.name,
            role=Role.BEAT_OFFICER,
            bureau=bureau,
            unit_id=o.unit_id,
            officer_id=o.officer_id,
        )
        for o in missing
    ]
    User.objects.bulk_create(users, batch_size=500)
    ids = dict(
        User.objects.filter(officer_id__in=[o.officer_id for o in missing]).values_list(
            "officer_id", "id"
        )
    )
    for o in missing:
        o.user_id = ids[o.officer_id]
    return [u.username for u in users]


# --- The simulation -------------------------------------------------------------------------

Progress = Callable[[str, Mapping[str, int], float], None]

_MODELS = {
    "visit": HouseholdVisit,
    "floating": FloatingResident,
    "service": Service,
    "assistance": Assistance,
    "outreach": OutreachEvent,
    "volunteer": Volunteer,
    "prevention": PreventionActivity,
    "worklog": WorkLog,
}
# Officer weights by kind: (factor for community officers, factor for village officers).
_AREA_FACTOR = {
    "visit": (1.0, 1.0),
    "floating": (3.0, 0.8),
    "service": (1.0, 1.0),
    "assistance": (0.7, 1.1),
    "outreach": (1.2, 1.0),
    "volunteer": (1.0, 1.0),
    "prevention": (1.0, 1.0),
}


@dataclass
class SimulationResult:
    rows: Counter = field(default_factory=Counter)  # kind → rows written (and "worklog")
    accounts: int = 0
    rebuild: RebuildResult | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Chunk:
    phase: str  # launch / between / recent
    label: str
    days: tuple[dt.date, ...]


def _months(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    day = first
    while day <= last:
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        out.append((day, min(last, nxt - _DAY)))
        day = nxt
    return out


def _years(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    day = first
    while day <= last:
        out.append((day, min(last, dt.date(day.year, 12, 31))))
        day = dt.date(day.year + 1, 1, 1)
    return out


def _span(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))


def plan_chunks(start: dt.date, end: dt.date) -> list[Chunk]:
    """The simulated range cut into the units of progress and writing: months of the launch and
    of the recent year, whole years in between."""
    recent_from = max(end - dt.timedelta(days=RECENT_DAYS - 1), SOURCE_TO + _DAY)
    chunks = []
    for phase, first, last, cut in (
        ("launch", SOURCE_FROM, SOURCE_TO, _months),
        ("between", SOURCE_TO + _DAY, recent_from - _DAY, _years),
        ("recent", recent_from, end, _months),
    ):
        first, last = max(first, start), min(last, end)
        for a, b in cut(first, last) if first <= last else []:
            label = f"{a:%Y-%m}" if cut is _months else f"{a:%Y}"
            chunks.append(Chunk(phase, label, _span(a, b)))
    return chunks


class _Simulation:
    def __init__(self, bureau: Bureau, officers: list[SimOfficer], *, seed: int, end: dt.date):
        self.bureau = bureau
        self.officers = officers
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.end = end
        self.phones: set[str] = set()
        n = len(officers)
        self.scale = n / SOURCE_OFFICERS
        diligence = self.np.lognormal(0.0, 0.35, size=n)
        self.p: dict[str, np.ndarray] = {}
        for kind in KINDS:
            w = np.array(
                [
                    diligence[i]
                    * _AREA_FACTOR[kind][0 if o.community else 1]
                    * (1 + 0.3 * (len(o.areas) - 1))
                    for i, o in enumerate(officers)
                ]
            )
            self.p[kind] = w / w.sum() if n else w
        self.launch_days = _span(SOURCE_FROM, SOURCE_TO)
        self.launch_index = {d: j for j, d in enumerate(self.launch_days)}
        self._allocate_launch()
        # The launch's daily rate per officer and unit of day weight, for the later phases.
        weights = np.array([day_weight(d) for d in self.launch_days])
        self.base = {
            kind: LAUNCH_RECORDS[kind] * self.scale * self.p[kind] / weights.sum() for kind in KINDS
        }

    # -- launch allocation ---------------------------------------------------------------------

    def _allocate_launch(self) -> None:
        rng, days, n = self.np, self.launch_days, len(self.officers)
        weights = np.array([day_weight(d) for d in days])
        active = np.array([[o.active(d) for d in days] for o in self.officers], dtype=bool)
        self.launch_total: dict[str, int] = {}
        self.alloc: dict[str, np.ndarray] = {}
        for kind in KINDS:
            total = round(LAUNCH_RECORDS[kind] * self.scale)
            if kind in SURPLUS_KINDS:
                total += int(total * SURPLUS * rng.random())
            self.launch_total[kind] = total
            matrix = np.zeros((n, len(days)), dtype=np.int64)
            if n:
                per_officer = rng.multinomial(total, self.p[kind])
                for i in range(n):
                    w = weights * active[i]
                    if per_officer[i] and w.sum() > 0:
                        matrix[i] = rng.multinomial(per_officer[i], w / w.sum())
            self.alloc[kind] = matrix
        # Cards: exactly the source's figure (scaled), the surplus visits are repeat visits.
        visits = self.launch_total["visit"]
        cards = min(visits, round(SOURCE_FIGURES["contact_cards"] * self.scale))
        self.no_card = set(rng.choice(visits, size=visits - cards, replace=False).tolist())
        self.visit_ordinal = 0
        # People helped: every household at least one, the rest spread to sum to the source's.
        households = self.launch_total["assistance"]
        people = max(households, round(SOURCE_FIGURES["assisted_people"] * self.scale))
        extra = rng.multinomial(people - households, np.full(households, 1 / households))
        self.launch_people = [int(1 + min(x, 49)) for x in extra] if households else []
        self.people_ordinal = 0
        self.stories = self._place_stories()

    def _place_stories(self) -> dict[tuple[int, dt.date, str], Story]:
        placed = {}
        for story in STORIES:
            j = self.launch_index.get(story.day)
            owner = next(
                (
                    (i, a)
                    for i, o in enumerate(self.officers)
                    for a in o.areas
                    if a.name == story.area_name and o.active(story.day)
                ),
                None,
            )
            if j is None or owner is None:
                continue
            i, _area = owner
            matrix = self.alloc[story.kind]
            if matrix[i, j] == 0:
                # Move one record of this kind to the story's day, keeping the totals.
                donor = i if matrix[i].sum() else int(matrix.sum(axis=1).argmax())
                k = int(matrix[donor].argmax())
                if matrix[donor, k] == 0:
                    continue
                matrix[donor, k] -= 1
                matrix[i, j] += 1
            placed[i, story.day, story.kind] = story
        return placed

    # -- counts per chunk ------------------------------------------------------------------------

    def counts(self, chunk: Chunk) -> dict[str, np.ndarray]:
        if chunk.phase == "launch":
            cols = [self.launch_index[d] for d in chunk.days]
            return {kind: self.alloc[kind][:, cols] for kind in KINDS}
        factor = BETWEEN_FACTOR if chunk.phase == "between" else RECENT_FACTOR
        weights = np.array([day_weight(d) * factor for d in chunk.days])
        active = np.array([[o.active(d) for d in chunk.days] for o in self.officers], dtype=bool)
        out = {}
        for kind in KINDS:
            lam = self.base[kind][:, None] * weights[None, :] * active
            out[kind] = self.np.poisson(lam) if lam.size else np.zeros(lam.shape, dtype=np.int64)
        if chunk.phase == "recent":
            spotlight_from = self.end - dt.timedelta(days=SPOTLIGHT_DAYS - 1)
            for i, o in enumerate(self.officers):
                if not o.signs_in:
                    continue
                for j, day in enumerate(chunk.days):
                    if day >= spotlight_from and o.active(day):
                        out["visit"][i, j] = max(out["visit"][i, j], 2 + self.rng.randrange(3))
        return out

    # -- one record ------------------------------------------------------------------------------

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _at(self, day: dt.date, first_hour: int, last_hour: int) -> dt.datetime:
        minute = self.rng.randrange(first_hour * 60, last_hour * 60)
        moment = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        moment = moment.replace(tzinfo=SHANGHAI, second=self.rng.randrange(60))
        return min(moment, self.now) if day >= self.today else moment

    def _name(self, male: bool) -> str:
        pool = _GIVEN_MALE if male else _GIVEN_FEMALE
        given = self.rng.choice(pool)
        if self.rng.random() < 0.7:
            given += self.rng.choice(pool)
        return self.rng.choice(_SURNAMES) + given

    def _mobile(self) -> str:
        """A unique mobile number in E.164 form (what ``normalize_phone`` stores; every prefix
        is a valid mobile range, tested)."""
        while True:
            raw = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if raw not in self.phones:
                self.phones.add(raw)
                return "+86" + raw

    def _household(self, area: BeatArea) -> str:
        surname = self.rng.choice(_SURNAMES)
        if area.kind == AreaKind.COMMUNITY:
            building = self.rng.randint(1, 30)
            return (
                f"{area.name}{building}号楼{self.rng.randint(1, 4)}单元"
                f"{self.rng.randint(1, 6)}0{self.rng.randint(1, 4)}室 {surname}家"
            )
        return f"{area.name}{self.rng.randint(1, 12)}组 {surname}家"

    def _id_number(self, region: str, born: dt.date, male: bool) -> str:
        seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
        body = f"{region}{born:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    def _common(self, o: SimOfficer, area: BeatArea, day: dt.date) -> dict:
        return {
            "bureau_id": self.bureau.pk,
            "area_id": area.area_id,
            "unit_id": area.unit_id,
            "recorded_by_id": o.user_id,
            "officer_id": o.officer_id,
            "occurred_on": day,
            "client_uuid": self._uuid(),
            "created_at": self._at(day, 8, 19),
        }

    def _area(self, o: SimOfficer) -> BeatArea:
        if len(o.areas) == 1:
            return o.areas[0]
        return self.rng.choices(o.areas, weights=[a.weight for a in o.areas])[0]

    def visit(self, o, area, day, phase, spotlight):
        if phase == "launch":
            card = self.visit_ordinal not in self.no_card
            self.visit_ordinal += 1
        else:
            card = self.rng.random() < LATER_CARD_SHARE
        follow = self.rng.random() < (SPOTLIGHT_FOLLOW_UP_SHARE if spotlight else FOLLOW_UP_SHARE)
        purpose = self.rng.choices(
            [
                VisitPurpose.ROUTINE,
                VisitPurpose.INFORMATION,
                VisitPurpose.DISPUTE_SCREENING,
                VisitPurpose.SERVICE,
                VisitPurpose.OTHER,
            ],
            weights=(60, 18, 12, 7, 3),
        )[0]
        return {
            "household": self._household(area),
            "purpose": purpose,
            "notes": self.rng.choice(_FOLLOW_UP_NOTES if follow else _VISIT_NOTES),
            "contact_card_given": card,
            "follow_up_needed": follow,
        }

    def floating(self, o, area, day, phase, spotlight):
        region, origin = self.rng.choice(ORIGINS)
        male = self.rng.random() < 0.62
        age_days = self.rng.randint(18 * 365, 58 * 365)
        born = day - dt.timedelta(days=age_days)
        arrived = max(day - dt.timedelta(days=self.rng.randint(0, 120)), dt.date(2000, 1, 1))
        stay = self.rng.choice((30, 90, 180, 180, 365, 365, 730, None))
        departed = None
        if stay and self.rng.random() < 0.3:
            departed = min(arrived + dt.timedelta(days=stay), self.today)
            departed = max(departed, arrived)
        return {
            "name": self._name(male),
            "id_number": self._id_number(region, born, male),
            "phone": self._mobile() if self.rng.random() < 0.85 else "",
            "origin": origin,
            "arrived_on": arrived,
            "residence": self._household(area).replace("家", "家出租房"),
            "employer": self.rng.choice(_EMPLOYERS),
            "expected_stay_days": stay,
            "departed_on": departed,
        }

    def service(self, o, area, day, phase, spotlight):
        kinds, weights = zip(*_SERVICE_KIND_WEIGHTS, strict=True)
        kind = self.rng.choices(kinds, weights=weights)[0]
        beneficiary, description, outcome = self.rng.choice(_SERVICE_STORIES[kind])
        return {
            "kind": kind,
            "beneficiary": beneficiary.format(s=self.rng.choice(_SURNAMES)),
            "description": description,
            "outcome": outcome,
        }

    def assistance(self, o, area, day, phase, spotlight):
        if phase == "launch" and self.people_ordinal < len(self.launch_people):
            people = self.launch_people[self.people_ordinal]
            self.people_ordinal += 1
        else:
            people = min(1 + int(self.np.poisson(2.0)), 12)
        kind = self.rng.choices(list(HardshipKind), weights=_HARDSHIP_WEIGHTS)[0]
        revisit = self.rng.choice((None, 30, 60, 90))
        return {
            "household": self._household(area),
            "people": people,
            "hardship_kind": kind,
            "help_given": self.rng.choice(_HARDSHIP_HELP[kind]),
            "next_revisit_on": day + dt.timedelta(days=revisit) if revisit else None,
        }

    def outreach(self, o, area, day, phase, spotlight):
        venue_kind = self.rng.choices(
            [VenueKind.SCHOOL, VenueKind.VILLAGE, VenueKind.ENTERPRISE, VenueKind.COMMUNITY],
            weights=(30, 35, 15, 20),
        )[0]
        stem = area.name.removesuffix("村").removesuffix("社区")
        venue = {
            VenueKind.SCHOOL: f"{stem}小学",
            VenueKind.VILLAGE: f"{area.name}村委会广场",
            VenueKind.ENTERPRISE: self.rng.choice(_EMPLOYERS[:8]),
            VenueKind.COMMUNITY: f"{area.name}活动中心",
        }[venue_kind]
        return {
            "venue_kind": venue_kind,
            "venue": venue,
            "topic": self.rng.choice(_OUTREACH_TOPICS),
            "audience_size": self.rng.randint(20, 400),
        }

    def volunteer(self, o, area, day, phase, spotlight):
        return {
            "name": self._name(self.rng.random() < 0.7),
            "phone": self._mobile(),
            "skills": self.rng.choice(_VOLUNTEER_SKILLS),
        }

    def prevention(self, o, area, day, phase, spotlight):
        kind = self.rng.choices(list(PreventionKind), weights=_PREVENTION_WEIGHTS)[0]
        return {
            "kind": kind,
            "description": self.rng.choice(_PREVENTION_TEXT[kind]),
            "participants": self.rng.randint(2, 30),
        }

    def worklog_text(self, o: SimOfficer, day: dt.date, counts: Mapping[str, int]) -> str:
        parts = []
        where = "、".join(a.name for a in o.areas)
        if counts.get("visit"):
            parts.append(f"在{where}入户走访{counts['visit']}户")
        if counts.get("cards"):
            parts.append(f"发放警民联系卡{counts['cards']}张")
        if counts.get("floating"):
            parts.append(f"登记流动人口{counts['floating']}人")
        if counts.get("volunteer"):
            parts.append(f"发动社会防范人员{counts['volunteer']}人")
        if counts.get("assistance"):
            parts.append(f"走访帮扶困难家庭{counts['assistance']}户")
        if counts.get("service"):
            parts.append(f"为群众办实事{counts['service']}件")
        if counts.get("outreach"):
            parts.append(f"开展法制宣传{counts['outreach']}场")
        if counts.get("prevention"):
            parts.append(f"组织安全防范活动{counts['prevention']}次")
        if counts.get("follow_up"):
            parts.append(f"{counts['follow_up']}件事项需跟进")
        if not parts:
            parts.append(f"在{where}巡查，熟悉村情民意")
        return "；".join(parts) + "。" + self.rng.choice(_REFLECTIONS)

    # -- a chunk -----------------------------------------------------------------------------

    def run_chunk(self, chunk: Chunk) -> Counter:
        counts = self.counts(chunk)
        rows: dict[str, list] = {kind: [] for kind in _MODELS}
        spotlight_from = self.end - dt.timedelta(days=SPOTLIGHT_DAYS - 1)
        total = sum(counts.values()) if counts else None
        for i, o in enumerate(self.officers):
            for j, day in enumerate(chunk.days):
                busy = bool(total[i, j])
                if not busy and (chunk.phase == "between" or not o.active(day)):
                    continue
                spotlight = o.signs_in and chunk.phase == "recent" and day >= spotlight_from
                done: Counter = Counter()
                for kind in KINDS:
                    for _ in range(int(counts[kind][i, j])):
                        story = self.stories.pop((i, day, kind), None)
                        if story is not None:
                            area = next(a for a in o.areas if a.name == story.area_name)
                            data = dict(story.fields)
                            if kind == "visit":
                                self.visit_ordinal += 1
                        else:
                            area = self._area(o)
                            data = getattr(self, kind)(o, area, day, chunk.phase, spotlight)
                            # Every other day of the spotlight, the first visit surely needs
                            # a follow-up: the officer's "today" has work waiting.
                            first = spotlight and kind == "visit" and not done["visit"]
                            if first and day.toordinal() % 2 == 0 and not data["follow_up_needed"]:
                                data["follow_up_needed"] = True
                                data["notes"] = self.rng.choice(_FOLLOW_UP_NOTES)
                        rows[kind].append(_MODELS[kind](**self._common(o, area, day), **data))
                        done[kind] += 1
                        if kind == "visit":
                            done["cards"] += data["contact_card_given"]
                            done["follow_up"] += data["follow_up_needed"]
                writes_log = busy or (
                    chunk.phase != "between" and is_working_day(day) and self.rng.random() < 0.96
                )
                if writes_log and o.user_id is not None:
                    at = self._at(day, 18, 22)
                    rows["worklog"].append(
                        WorkLog(
                            bureau_id=self.bureau.pk,
                            officer_id=o.officer_id,
                            unit_id=o.unit_id,
                            day=day,
                            text=self.worklog_text(o, day, done),
                            client_uuid=self._uuid(),
                            recorded_by_id=o.user_id,
                            created_at=at,
                            updated_at=at,
                        )
                    )
        written: Counter = Counter()
        for kind, objs in rows.items():
            if objs:
                _MODELS[kind].objects.bulk_create(objs, batch_size=1000)
                written[kind] = len(objs)
        return written


def simulate(
    bureau: Bureau,
    *,
    start: dt.date = SOURCE_FROM,
    end: dt.date | None = None,
    seed: int = 2014,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate the field work of every beat officer of ``bureau`` from ``start`` to ``end``
    (default: today, Asia/Shanghai) with ``seed``; see the module's docstring for the phases and
    their volumes. One transaction. Refuses (``ValueError``) when the bureau already has field
    records in the range: the simulation adds to an empty field-work history, it never merges.

    Writes in bulk, not through ``fieldwork.services``: ONE audit event ``demo.simulate`` per
    stage (accounts, each phase) instead of one per record, and the roll-up counters of the
    range recomputed from the raw records at the end (``stats.services.rebuild``).
    ``progress(label, rows_by_kind, seconds)`` is called after every chunk (a month, or a year
    of the thin phase) and after the counters."""
    end = end or timezone.localdate()
    if end > timezone.localdate():
        raise ValueError("the simulation cannot go past today")
    started = time.monotonic()
    result = SimulationResult()
    with transaction.atomic():
        for model in _MODELS.values():
            day_field = "day" if model is WorkLog else "occurred_on"
            if model.objects.filter(
                bureau=bureau, **{f"{day_field}__range": (start, end)}
            ).exists():
                raise ValueError(
                    f"{bureau} already has {model._meta.verbose_name_plural} in the range"
                )
        officers = load_officers(bureau, start=start, end=end)
        usernames = create_accounts(bureau, officers)
        result.accounts = len(usernames)
        _stage_event(bureau, "accounts", start, end, {"accounts": len(usernames)})
        if progress:
            progress("accounts", {"accounts": len(usernames)}, time.monotonic() - started)
        sim = _Simulation(bureau, officers, seed=seed, end=end)
        by_phase: dict[str, Counter] = {}
        chunks = plan_chunks(start, end)
        for chunk in chunks:
            chunk_started = time.monotonic()
            written = sim.run_chunk(chunk)
            result.rows.update(written)
            phase = by_phase.setdefault(chunk.phase, Counter())
            phase.update(written)
            phase["days"] += len(chunk.days)
            last_of_phase = chunk is chunks[-1] or chunks[chunks.index(chunk) + 1].phase != (
                chunk.phase
            )
            if last_of_phase:
                phase_days = [d for c in chunks if c.phase == chunk.phase for d in c.days]
                _stage_event(bureau, chunk.phase, phase_days[0], phase_days[-1], phase)
            if progress:
                progress(chunk.label, written, time.monotonic() - chunk_started)
        counters_started = time.monotonic()
        result.rebuild = rebuild(actor=None, bureau=bureau, date_from=start, date_to=end)
        if progress:
            progress(
                "counters",
                {
                    "daily_rows": result.rebuild.daily_rows,
                    "monthly_rows": result.rebuild.monthly_rows,
                },
                time.monotonic() - counters_started,
            )
    result.seconds = time.monotonic() - started
    return result


def _stage_event(
    bureau: Bureau, stage: str, first: dt.date, last: dt.date, rows: Mapping[str, int]
) -> None:
    audit.record(
        actor=None,
        action="demo.simulate",
        bureau_id=bureau.pk,
        object_type="org.bureau",
        object_id=bureau.pk,
        after={
            "stage": stage,
            "date_from": first,
            "date_to": last,
            "rows": {k: int(v) for k, v in sorted(rows.items())},
        },
    )


def kind_label(kind: str) -> str:
    """The translated plural name of a simulated kind (its model's), for progress lines."""
    return str(_MODELS[kind]._meta.verbose_name_plural)


def source_comparison(bureau: Bureau) -> list[tuple[str, int, int, float | None]]:
    """``(figure, source, simulated, deviation in %)`` for every figure of the source table,
    the simulated side read from the bureau's roll-up counters for ``SOURCE_FROM`` to
    ``SOURCE_TO`` (``None`` where the source says 0)."""
    root = Unit.objects.get(bureau=bureau, depth=1)
    got = dict(
        DailyCount.objects.filter(bureau=bureau, unit=root, day__range=(SOURCE_FROM, SOURCE_TO))
        .order_by()
        .values_list("figure")
        .annotate(total=Sum("value"))
    )
    rows = []
    for figure, expected in SOURCE_FIGURES.items():
        value = int(got.get(figure, 0))
        deviation = 100 * (value - expected) / expected if expected else None
        rows.append((figure, expected, value, deviation))
    return rows
