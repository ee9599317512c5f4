"""A small county built through the services, with one account per persona.

    bureau 测试县公安局
    ├── station 甲派出所 ── serves 甲乡 (township)
    │   └── office 甲中心警务室 ── serves 甲社区 (community)
    │       ├── workstation 瓦房沟警务工作站 ── serves 瓦房沟村 (village)  ← beat officer, aide
    │       └── workstation 刘沟警务工作站 ──── serves 刘沟村 (village)    ← sibling officer
    └── station 乙派出所 ── serves 乙镇 (town)
        └── office 乙中心警务室 ── serves 乙社区
            └── workstation 杨庄警务工作站 ── serves 杨庄村               ← other-station officer

Scope relations used by the permission tests, seen from the beat officer of 瓦房沟村:
``own`` = 瓦房沟村, ``sibling`` = 刘沟村, ``other`` = 杨庄村 (another station), ``none`` = an id
that does not exist.

Boundaries (squares of 0.02°): 瓦房沟村 33.22–33.24 N × 113.44–113.46 E (its centre 33.2301 N
113.4502 E inside), 刘沟村 east of it sharing the edge at 113.46 E, 杨庄村 33.30–33.32 N ×
113.60–113.62 E.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cunjing.accounts import services as account_services
from cunjing.accounts.models import User
from cunjing.core.roles import SYSTEM, Role
from cunjing.org import services as org
from cunjing.org.models import Aide, Area, Bureau, Officer, Unit

PASSWORD = "Test-pass-123"
START = dt.date(2014, 9, 1)


@dataclass
class County:
    bureau: Bureau
    units: dict[str, Unit] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    officers: dict[str, Officer] = field(default_factory=dict)
    aides: dict[str, Aide] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def user(self, persona: str) -> User:
        return self.users[persona]

    _GROUPS = (
        ("units", Unit),
        ("areas", Area),
        ("officers", Officer),
        ("aides", Aide),
        ("users", User),
    )

    def keys(self) -> dict:
        """Primary keys of everything built, to load fresh instances in another test."""
        return {
            "bureau": self.bureau.pk,
            **{name: {k: o.pk for k, o in getattr(self, name).items()} for name, _ in self._GROUPS},
        }

    @classmethod
    def load(cls, keys: dict) -> County:
        county = cls(bureau=Bureau.objects.get(pk=keys["bureau"]))
        for name, model in cls._GROUPS:
            rows = model.objects.in_bulk(list(keys[name].values()))
            setattr(county, name, {k: rows[pk] for k, pk in keys[name].items()})
        return county


def square(south: float, west: float, side: float = 0.02) -> dict:
    """A GeoJSON square boundary with its south-west corner at (``south``, ``west``)."""
    n, e = round(south + side, 6), round(west + side, 6)
    ring = [[west, south], [e, south], [e, n], [west, n], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def build_county(code: str = "410499", name: str = "测试县公安局", prefix: str = "") -> County:
    """Build the county; ``prefix`` keeps usernames apart when a test builds a second one."""
    bureau = org.bureau_create(actor=SYSTEM, name=name, code=code)
    c = County(bureau=bureau)
    root = org.bureau_root_unit(bureau)
    c.units["bureau"] = root
    u = c.units
    u["station_a"] = org.unit_create(actor=SYSTEM, parent=root, kind="station", name="甲派出所")
    u["station_b"] = org.unit_create(actor=SYSTEM, parent=root, kind="station", name="乙派出所")
    u["office_a"] = org.unit_create(
        actor=SYSTEM,
        parent=u["station_a"],
        kind="office",
        name="甲中心警务室",
        address="甲乡甲社区中心路1号",
    )
    u["office_b"] = org.unit_create(
        actor=SYSTEM, parent=u["station_b"], kind="office", name="乙中心警务室"
    )
    u["ws_own"] = org.unit_create(
        actor=SYSTEM,
        parent=u["office_a"],
        kind="workstation",
        name="瓦房沟警务工作站",
        address="甲乡瓦房沟村村委会",
        phone="0375-8123456",
    )
    u["ws_sibling"] = org.unit_create(
        actor=SYSTEM, parent=u["office_a"], kind="workstation", name="刘沟警务工作站"
    )
    u["ws_other"] = org.unit_create(
        actor=SYSTEM, parent=u["office_b"], kind="workstation", name="杨庄警务工作站"
    )
    p = code
    a = c.areas
    a["county"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=None,
        kind="county",
        name="测试县",
        division_code=f"{p}000000",
    )
    a["township_a"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["county"],
        kind="township",
        name="甲乡",
        division_code=f"{p}200000",
    )
    a["township_b"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["county"],
        kind="town",
        name="乙镇",
        division_code=f"{p}100000",
    )
    a["community_a"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["township_a"],
        kind="community",
        name="甲社区",
        division_code=f"{p}200001",
    )
    a["own"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["township_a"],
        kind="village",
        name="瓦房沟村",
        division_code=f"{p}200201",
        latitude=33.2301,
        longitude=113.4502,
        boundary=square(33.22, 113.44),
    )
    a["sibling"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["township_a"],
        kind="village",
        name="刘沟村",
        division_code=f"{p}200202",
        boundary=square(33.22, 113.46),
    )
    a["community_b"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["township_b"],
        kind="community",
        name="乙社区",
        division_code=f"{p}100001",
    )
    a["other"] = org.area_create(
        actor=SYSTEM,
        bureau=bureau,
        parent=a["township_b"],
        kind="village",
        name="杨庄村",
        division_code=f"{p}100201",
        boundary=square(33.30, 113.60),
    )
    for unit, area in [
        ("bureau", "county"),
        ("station_a", "township_a"),
        ("station_b", "township_b"),
        ("office_a", "community_a"),
        ("office_b", "community_b"),
        ("ws_own", "own"),
        ("ws_sibling", "sibling"),
        ("ws_other", "other"),
    ]:
        org.coverage_create(actor=SYSTEM, unit=u[unit], area=a[area])
    o = c.officers
    for key, unit, area, name, badge, phone in [
        ("own", "ws_own", "own", "张伟", "041001", "13803751001"),
        ("sibling", "ws_sibling", "sibling", "王芳", "041002", "13803751002"),
        ("other", "ws_other", "other", "李强", "041003", "13803751003"),
        ("community_a", "office_a", "community_a", "赵敏", "041004", "13803751004"),
        ("community_b", "office_b", "community_b", "刘洋", "041005", "13803751005"),
    ]:
        o[key] = org.officer_create(
            actor=SYSTEM, unit=u[unit], name=name, badge_number=badge, phone=phone, title="民警"
        )
        org.beat_assign(actor=SYSTEM, officer=o[key], area=a[area], start_date=START, is_lead=True)
    c.aides["own"] = org.aide_create(
        actor=SYSTEM,
        area=a["own"],
        name="陈静",
        kind="security_member",
        subtype="security_director",
        phone="13903751009",
    )
    mk = account_services.user_create
    us = c.users
    us["beat"] = mk(
        actor=SYSTEM,
        username=f"{prefix}beat",
        password=PASSWORD,
        role=Role.BEAT_OFFICER,
        unit=u["ws_own"],
        officer=o["own"],
        full_name="张伟",
    )
    us["sibling"] = mk(
        actor=SYSTEM,
        username=f"{prefix}sibling",
        password=PASSWORD,
        role=Role.BEAT_OFFICER,
        unit=u["ws_sibling"],
        officer=o["sibling"],
    )
    us["other"] = mk(
        actor=SYSTEM,
        username=f"{prefix}other",
        password=PASSWORD,
        role=Role.BEAT_OFFICER,
        unit=u["ws_other"],
        officer=o["other"],
    )
    us["aide"] = mk(
        actor=SYSTEM,
        username=f"{prefix}aide",
        password=PASSWORD,
        role=Role.AIDE,
        unit=u["ws_own"],
        aide=c.aides["own"],
    )
    us["office_leader"] = mk(
        actor=SYSTEM,
        username=f"{prefix}office-leader",
        password=PASSWORD,
        role=Role.OFFICE_LEADER,
        unit=u["office_a"],
    )
    us["station_leader"] = mk(
        actor=SYSTEM,
        username=f"{prefix}station-leader",
        password=PASSWORD,
        role=Role.STATION_LEADER,
        unit=u["station_a"],
    )
    for persona, role in [
        ("commander", Role.COMMANDER),
        ("inspector", Role.INSPECTOR),
        ("sysadmin", Role.SYSADMIN),
        ("secadmin", Role.SECADMIN),
        ("auditor", Role.AUDITOR),
    ]:
        us[persona] = mk(
            actor=SYSTEM, username=f"{prefix}{persona}", password=PASSWORD, role=role, unit=root
        )
    return c
