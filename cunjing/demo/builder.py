"""Build the demo county: a deterministic plan from a seed, then every row through the services.

``make_plan(seed)`` is pure (no database): the same seed gives the same names, phones, badge
numbers and coordinates. ``build(plan, password=...)`` writes it in one transaction with
``actor=SYSTEM``, so every row has its audit event and a failure leaves nothing.

People and accounts: 217 beat officers (one per central office and per workstation, as the
source says), a leader at every station (所长) and every central office (主任), the 局长 and a
副局长 at the bureau — every one of them with an account (:func:`account_role` says which role,
``demo.accounts`` how it is named) — the aides of every village and community, those of one
station (``AIDE_ACCOUNTS_STATION``) with accounts, and the three admins. All accounts share the
demo password.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop

from cunjing.accounts import services as account_services
from cunjing.accounts.models import User
from cunjing.core.roles import SYSTEM, Role
from cunjing.core.validators import normalize_phone
from cunjing.demo import accounts as demo_accounts
from cunjing.demo import wugang as w
from cunjing.demo.geo import voronoi_boundaries
from cunjing.org import services as org
from cunjing.org.models import (
    BEAT_AREA_KINDS,
    Aide,
    AideKind,
    AideSubtype,
    Area,
    AreaKind,
    Beat,
    Bureau,
    Coverage,
    Officer,
    Unit,
    UnitKind,
)

DEFAULT_SEED = 2014
PASSWORD_ENV = "CUNJING_DEMO_PASSWORD"  # noqa: S105 (the variable's name, not a password)
DEMO_BUREAU_CODE = w.COUNTY_CODE

# The demo accounts, one per role, in the order the logins table lists them.
DEMO_USERNAMES = (
    "commander",
    "inspector",
    "station-leader",
    "office-leader",
    "beat-officer",
    "aide",
    "sysadmin",
    "secadmin",
    "auditor",
)

BUREAU_KEY = "bureau"

# The officers of the bureau itself and the bureau role each one's account holds: the 局长
# commands, the 副局长 inspects (the source names both; neither walks a beat).
BUREAU_LEADERS = (
    (w.BUREAU_DIRECTOR, "局长", Role.COMMANDER),
    (w.DEPUTY_DIRECTOR, "副局长", Role.INSPECTOR),
)
BEAT_OFFICER_TITLE = "包村社民警"  # at a workstation
OFFICE_OFFICER_TITLE = "中心警务室民警"  # the beat officer of a central office's community
STATION_LEADER_TITLE = "所长"
OFFICE_LEADER_TITLE = "中心警务室主任"

# The one station whose aides all get accounts (the demo personas' station): enough to try
# the aides' side of the mechanism without an account for each of the county's 460 aides.
AIDE_ACCOUNTS_STATION = w.DEMO_STATION


def station_name(short: str) -> str:
    """杨庄 → 杨庄派出所."""
    return f"{short}派出所"


# --- The plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaSpec:
    code: str
    kind: str
    name: str
    parent_code: str | None
    latitude: float
    longitude: float


@dataclass(frozen=True)
class UnitSpec:
    key: str
    kind: str
    name: str
    parent_key: str
    address: str
    phone: str
    latitude: float
    longitude: float
    serves: tuple[str, ...]  # division codes of the areas it covers


@dataclass(frozen=True)
class OfficerSpec:
    name: str
    badge_number: str
    phone: str
    unit_key: str
    title: str
    beats: tuple[tuple[str, bool], ...]  # (division code, is lead)


@dataclass(frozen=True)
class AideSpec:
    area_code: str
    name: str
    kind: str
    subtype: str
    phone: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    unit_key: str
    full_name: str
    officer_badge: str = ""
    aide_index: int | None = None  # index into Plan.aides


@dataclass(frozen=True)
class Plan:
    seed: int
    bureau_unit: UnitSpec
    areas: tuple[AreaSpec, ...]
    units: tuple[UnitSpec, ...]  # stations, offices, workstations, parents first
    officers: tuple[OfficerSpec, ...]
    aides: tuple[AideSpec, ...]
    users: tuple[UserSpec, ...]

    def digest(self) -> str:
        """SHA-256 of everything the seed decides: equal plans, equal digests."""
        payload = json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def account_role(officer: OfficerSpec, unit_kind: str) -> str:
    """The role of an officer's demo account, from their post; each is a role whose unit kinds
    (``accounts.services.ROLE_UNIT_KINDS``) hold the officer's unit, which becomes the
    account's jurisdiction:

    - on a beat, posted at a workstation or a central office → beat officer (their own areas);
    - no beat, at a central office (its 主任) → office leader (the office's subtree);
    - no beat, at a station (its 所长) → station leader (the station's subtree);
    - at the bureau: only the roles ``BUREAU_LEADERS`` gives — the 局长 commander, the 副局长
      inspector (the whole county); any other bureau officer would get no account role, and
      the demo has none.
    """
    if officer.beats:
        role = Role.BEAT_OFFICER
    elif unit_kind == UnitKind.OFFICE:
        role = Role.OFFICE_LEADER
    elif unit_kind == UnitKind.STATION:
        role = Role.STATION_LEADER
    else:
        roles = {(name, title): r for name, title, r in BUREAU_LEADERS}
        role = roles.get((officer.name, officer.title), "")
    if unit_kind not in account_services.ROLE_UNIT_KINDS.get(role, ()):
        raise ValueError(f"no account role for {officer.name} ({officer.title}) at a {unit_kind}")
    return role


class _People:
    """Deterministic, unique Chinese names and phone numbers drawn from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def name(self, female: bool = False) -> str:
        pool = w.GIVEN_FEMALE if female else w.GIVEN_MALE
        while True:
            given = self.rng.choice(pool)
            if self.rng.random() < 0.7:
                given += self.rng.choice(pool)
            name = self.rng.choice(w.SURNAMES) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def reserve(self, name: str) -> str:
        self.names.add(name)
        return name

    def _unique_phone(self, make: Callable[[], str]) -> str:
        while True:
            phone = make()
            if phone in self.phones:
                continue
            normalize_phone(phone)  # the services will validate it too; fail early here
            self.phones.add(phone)
            return phone

    def mobile(self) -> str:
        return self._unique_phone(
            lambda: self.rng.choice(w.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        )

    def landline(self) -> str:
        return self._unique_phone(lambda: w.LANDLINE_PREFIX + f"{self.rng.randrange(10**6):06d}")


def _point(rng: random.Random, centre: tuple[float, float], spread: float) -> tuple[float, float]:
    lat = min(max(centre[0] + rng.uniform(-spread, spread), w.LAT_RANGE[0]), w.LAT_RANGE[1])
    lon = min(max(centre[1] + rng.uniform(-spread, spread), w.LON_RANGE[0]), w.LON_RANGE[1])
    return round(lat, 6), round(lon, 6)


def _station_of(township: w.Township, area_name: str) -> str:
    for short, (code, names) in w.EXTRA_STATIONS.items():
        if code == township.code and area_name in names:
            return short
    return township.short


def _stem(name: str, suffix: str) -> str:
    return name[: -len(suffix)] if name.endswith(suffix) else name


def make_plan(seed: int = DEFAULT_SEED) -> Plan:
    """The whole demo county as data, decided by ``seed`` and the static facts in ``wugang``."""
    rng = random.Random(seed)
    people = _People(rng)
    county_code = w.COUNTY_CODE + "000000"

    # Areas: county → township-level areas → communities and villages.
    areas = [
        AreaSpec(county_code, AreaKind.COUNTY, w.COUNTY_NAME, None, *w.COUNTY_CENTRE),
    ]
    community_codes: dict[str, str] = {}
    village_codes: dict[str, str] = {}
    area_points: dict[str, tuple[float, float]] = {}
    for t in w.TOWNSHIPS:
        t_code = f"{w.COUNTY_CODE}{t.code}000"
        areas.append(AreaSpec(t_code, t.kind, t.name, county_code, *t.centre))
        urban = t.kind == AreaKind.SUBDISTRICT
        for serial, name in enumerate(t.communities, start=1):
            code = f"{w.COUNTY_CODE}{t.code}{serial:03d}"
            point = _point(rng, t.centre, 0.008 if urban else 0.004)
            areas.append(AreaSpec(code, AreaKind.COMMUNITY, name, t_code, *point))
            community_codes[name] = code
            area_points[code] = point
        for serial, name in enumerate(t.villages, start=201):
            code = f"{w.COUNTY_CODE}{t.code}{serial:03d}"
            point = _point(rng, t.centre, 0.02 if urban else 0.045)
            areas.append(AreaSpec(code, AreaKind.VILLAGE, name, t_code, *point))
            village_codes[name] = code
            area_points[code] = point

    # Units: the bureau, a station per township-level area (plus 王店), offices, workstations.
    bureau_unit = UnitSpec(
        BUREAU_KEY,
        UnitKind.BUREAU,
        w.BUREAU_NAME,
        "",
        f"舞钢市垭口街道朝阳路{rng.randint(1, 99)}号",
        people.landline(),
        *_point(rng, w.COUNTY_CENTRE, 0.002),
        (county_code,),
    )
    stations: list[UnitSpec] = []
    station_townships = [(t.short, t) for t in w.TOWNSHIPS]
    for short, (code, _names) in w.EXTRA_STATIONS.items():
        station_townships.append((short, next(t for t in w.TOWNSHIPS if t.code == code)))
    for short, t in station_townships:
        stations.append(
            UnitSpec(
                f"station:{short}",
                UnitKind.STATION,
                station_name(short),
                BUREAU_KEY,
                f"舞钢市{t.name}{t.road if short == t.short else short + '街'}"
                f"{rng.randint(1, 199)}号",
                people.landline(),
                *_point(rng, t.centre, 0.004),
                (f"{w.COUNTY_CODE}{t.code}000",),
            )
        )

    offices: list[UnitSpec] = []
    offices_of_station: dict[str, list[str]] = {}
    for t in w.TOWNSHIPS:
        for name in t.communities:
            code = community_codes[name]
            station = _station_of(t, name)
            if name == w.DOUBLE_OFFICE_COMMUNITY:
                office_names = w.DOUBLE_OFFICE_NAMES
            else:
                office_names = (f"{_stem(name, '社区')}中心警务室",)
            for n, office_name in enumerate(office_names):
                key = f"office:{code}:{n}"
                address = (
                    f"舞钢市{t.name}{name}居委会" if n == 0 else f"舞钢市{t.name}{name}服务中心"
                )
                offices.append(
                    UnitSpec(
                        key,
                        UnitKind.OFFICE,
                        office_name,
                        f"station:{station}",
                        address,
                        people.landline(),
                        *_point(rng, area_points[code], 0.002),
                        (code,),
                    )
                )
                offices_of_station.setdefault(station, []).append(key)

    workstations: list[UnitSpec] = []
    shared_code, shared_villages, shared_name = w.SHARED_WORKSTATION
    next_office: dict[str, int] = {}
    for t in w.TOWNSHIPS:
        for name in t.villages:
            if t.code == shared_code and name in shared_villages:
                if name != shared_villages[0]:
                    continue
                served = tuple(village_codes[v] for v in shared_villages)
                ws_name = shared_name
            else:
                served = (village_codes[name],)
                ws_name = f"{_stem(name, '村')}警务工作站"
            station = _station_of(t, name)
            station_offices = offices_of_station[station]
            i = next_office.get(station, 0)
            next_office[station] = i + 1
            workstations.append(
                UnitSpec(
                    f"ws:{served[0]}",
                    UnitKind.WORKSTATION,
                    ws_name,
                    station_offices[i % len(station_offices)],
                    f"舞钢市{t.name}{name}村委会",
                    people.landline(),
                    *_point(rng, area_points[served[0]], 0.001),
                    served,
                )
            )

    # Officers: one per office (on its community) and one per workstation (on its villages).
    for reserved in (*w.NAMED_OFFICERS.values(), w.BUREAU_DIRECTOR, w.DEPUTY_DIRECTOR):
        people.reserve(reserved)
    unit_count = len(offices) + len(workstations)
    badges = sorted(rng.sample(range(410100, 420000), unit_count))
    officers: list[OfficerSpec] = []
    led: set[str] = set()
    for unit in (*offices, *workstations):
        community = unit.kind == UnitKind.OFFICE
        area_name = next(a.name for a in areas if a.code == unit.serves[0])
        first_office = unit.key.endswith(":0")
        if community and first_office and area_name in w.NAMED_OFFICERS:
            name = w.NAMED_OFFICERS[area_name]
        else:
            name = people.name(female=rng.random() < 0.15)
        beats = tuple((code, code not in led) for code in unit.serves)
        led.update(unit.serves)
        officers.append(
            OfficerSpec(
                name=name,
                badge_number=f"{badges[len(officers)]:06d}",
                phone=people.mobile(),
                unit_key=unit.key,
                title=OFFICE_OFFICER_TITLE if community else BEAT_OFFICER_TITLE,
                beats=beats,
            )
        )

    # Aides: a patroller and a security member in every village, two security members in every
    # community (complex areas get more hands).
    subtypes = [
        AideSubtype.SECURITY_DIRECTOR,
        AideSubtype.RESIDENT_CADRE,
        AideSubtype.GRADUATE_OFFICIAL,
    ]
    aides: list[AideSpec] = []
    for area in areas:
        if area.kind not in (AreaKind.VILLAGE, AreaKind.COMMUNITY):
            continue
        aides.append(
            AideSpec(
                area.code, people.name(rng.random() < 0.2), AideKind.PATROLLER, "", people.mobile()
            )
        )
        first = rng.choices(subtypes, weights=(5, 3, 2))[0]
        chosen = [first]
        if area.kind == AreaKind.COMMUNITY:
            chosen.append(rng.choice([s for s in subtypes if s != first]))
        for subtype in chosen:
            female = rng.random() < (0.5 if subtype == AideSubtype.GRADUATE_OFFICIAL else 0.3)
            aides.append(
                AideSpec(
                    area.code,
                    people.name(female),
                    AideKind.SECURITY_MEMBER,
                    subtype,
                    people.mobile(),
                )
            )

    # Leaders: the bureau's 局长 and 副局长, a 所长 at every station, a 主任 at every central
    # office; officers without a beat, with badges drawn after the beat officers'.
    posts = [(BUREAU_KEY, name, title) for name, title, _role in BUREAU_LEADERS]
    posts += [
        (s.key, people.name(female=rng.random() < 0.1), STATION_LEADER_TITLE) for s in stations
    ]
    posts += [(o.key, people.name(female=rng.random() < 0.2), OFFICE_LEADER_TITLE) for o in offices]
    taken = {int(o.badge_number) for o in officers}
    free = [b for b in range(410100, 420000) if b not in taken]
    for (unit_key, name, title), badge in zip(
        posts, sorted(rng.sample(free, len(posts))), strict=True
    ):
        officers.append(
            OfficerSpec(
                name=name,
                badge_number=f"{badge:06d}",
                phone=people.mobile(),
                unit_key=unit_key,
                title=title,
                beats=(),
            )
        )

    # The accounts. First the personas of the mechanism around 瓦房沟村, in the logins table's
    # order: each one the account of an officer or an aide of the plan (but the three admins).
    unit_kind = {u.key: u.kind for u in (bureau_unit, *stations, *offices, *workstations)}
    demo_code = village_codes[w.DEMO_VILLAGE]
    demo_ws = next(u for u in workstations if demo_code in u.serves)
    demo_station = f"station:{w.DEMO_STATION}"

    def officer_at(unit_key: str, title: str) -> OfficerSpec:
        return next(o for o in officers if (o.unit_key, o.title) == (unit_key, title))

    def persona(username: str, officer: OfficerSpec) -> UserSpec:
        role = account_role(officer, unit_kind[officer.unit_key])
        return UserSpec(
            username, role, officer.unit_key, officer.name, officer_badge=officer.badge_number
        )

    demo_aide = next(
        i
        for i, a in enumerate(aides)
        if a.area_code == demo_code and a.kind == AideKind.SECURITY_MEMBER
    )
    users = [
        persona("commander", officer_at(BUREAU_KEY, BUREAU_LEADERS[0][1])),
        persona("inspector", officer_at(BUREAU_KEY, BUREAU_LEADERS[1][1])),
        persona("station-leader", officer_at(demo_station, STATION_LEADER_TITLE)),
        persona("office-leader", officer_at(demo_ws.parent_key, OFFICE_LEADER_TITLE)),
        persona("beat-officer", officer_at(demo_ws.key, BEAT_OFFICER_TITLE)),
        UserSpec("aide", Role.AIDE, demo_ws.key, aides[demo_aide].name, aide_index=demo_aide),
        UserSpec("sysadmin", Role.SYSADMIN, BUREAU_KEY, people.name()),
        UserSpec("secadmin", Role.SECADMIN, BUREAU_KEY, people.name(female=True)),
        UserSpec("auditor", Role.AUDITOR, BUREAU_KEY, people.name(female=True)),
    ]
    # Then every other officer and leader, named by their police number ...
    linked = {u.officer_badge for u in users}
    for o in officers:
        if o.badge_number not in linked:
            users.append(persona(demo_accounts.officer_username(o.badge_number), o))
    # ... and every other aide of one station, on the workstation (else the office) serving
    # the aide's area, as ``org.selectors.serving_unit`` chooses it.
    serving: dict[str, str] = {}
    for u in (*workstations, *offices):
        for code in u.serves:
            serving.setdefault(code, u.key)
    parent = {u.key: u.parent_key for u in (*stations, *offices, *workstations)}

    def station_of(unit_key: str) -> str:
        while unit_kind[unit_key] != UnitKind.STATION:
            unit_key = parent[unit_key]
        return unit_key

    aide_station = f"station:{AIDE_ACCOUNTS_STATION}"
    nth: dict[str, int] = {}
    for i, a in enumerate(aides):
        nth[a.area_code] = nth.get(a.area_code, 0) + 1
        unit_key = serving[a.area_code]
        if i == demo_aide or station_of(unit_key) != aide_station:
            continue
        username = demo_accounts.aide_username(a.area_code, nth[a.area_code])
        users.append(UserSpec(username, Role.AIDE, unit_key, a.name, aide_index=i))

    return Plan(
        seed=seed,
        bureau_unit=bureau_unit,
        areas=tuple(areas),
        units=(*stations, *offices, *workstations),
        officers=tuple(officers),
        aides=tuple(aides),
        users=tuple(users),
    )


# --- Writing it ----------------------------------------------------------------------------

Progress = Callable[[int, int, str, int, float], None]
# Stage names, translated where they are shown (the command's progress lines).
_STAGES = (
    gettext_noop("bureau"),
    gettext_noop("areas"),
    gettext_noop("units"),
    gettext_noop("coverage"),
    gettext_noop("officers and beats"),
    gettext_noop("aides"),
    gettext_noop("accounts"),
)


@dataclass
class DemoCounty:
    bureau: Bureau
    units: dict[str, Unit] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    seconds: float = 0.0


def build(plan: Plan, *, password: str, progress: Progress | None = None) -> DemoCounty:
    """Write ``plan`` through the services as the system, all or nothing."""
    started = time.monotonic()
    stage_started = started

    def done(stage: int, count: int) -> None:
        nonlocal stage_started
        now = time.monotonic()
        if progress is not None:
            progress(stage + 1, len(_STAGES), _STAGES[stage], count, now - stage_started)
        stage_started = now

    with transaction.atomic():
        spec = plan.bureau_unit
        bureau = org.bureau_create(actor=SYSTEM, name=w.BUREAU_NAME, code=w.COUNTY_CODE)
        county = DemoCounty(bureau=bureau)
        root = org.unit_update(
            actor=SYSTEM,
            unit=org.bureau_root_unit(bureau),
            address=spec.address,
            phone=spec.phone,
            latitude=spec.latitude,
            longitude=spec.longitude,
        )
        county.units[BUREAU_KEY] = root
        done(0, 1)

        # No real village boundaries ship with the demo: each village's and community's
        # Voronoi cell around its centre stands in, so a point always finds one area.
        boundaries = voronoi_boundaries(
            {a.code: (a.latitude, a.longitude) for a in plan.areas if a.kind in BEAT_AREA_KINDS}
        )
        for a in plan.areas:
            county.areas[a.code] = org.area_create(
                actor=SYSTEM,
                bureau=bureau,
                parent=county.areas[a.parent_code] if a.parent_code else None,
                kind=a.kind,
                name=a.name,
                division_code=a.code,
                latitude=a.latitude,
                longitude=a.longitude,
                boundary=boundaries.get(a.code),
            )
        done(1, len(plan.areas))

        for u in plan.units:
            county.units[u.key] = org.unit_create(
                actor=SYSTEM,
                parent=county.units[u.parent_key],
                kind=u.kind,
                name=u.name,
                address=u.address,
                phone=u.phone,
                latitude=u.latitude,
                longitude=u.longitude,
            )
        done(2, 1 + len(plan.units))

        coverages = 0
        for u in (spec, *plan.units):
            for code in u.serves:
                org.coverage_create(actor=SYSTEM, unit=county.units[u.key], area=county.areas[code])
                coverages += 1
        done(3, coverages)

        officers: dict[str, Officer] = {}
        for o in plan.officers:
            officer = org.officer_create(
                actor=SYSTEM,
                unit=county.units[o.unit_key],
                name=o.name,
                badge_number=o.badge_number,
                phone=o.phone,
                title=o.title,
            )
            officers[o.badge_number] = officer
            for code, is_lead in o.beats:
                org.beat_assign(
                    actor=SYSTEM,
                    officer=officer,
                    area=county.areas[code],
                    start_date=w.BEAT_START,
                    is_lead=is_lead,
                )
        done(4, len(plan.officers))

        aides: list[Aide] = []
        for a in plan.aides:
            aides.append(
                org.aide_create(
                    actor=SYSTEM,
                    area=county.areas[a.area_code],
                    name=a.name,
                    kind=a.kind,
                    phone=a.phone,
                    subtype=a.subtype,
                )
            )
        done(5, len(plan.aides))

        # Every account through ``user_create`` (its checks, pinyin, flags, audit event), with
        # the demo password hashed once for all of them (demo only: see shared_password_hash).
        with demo_accounts.shared_password_hash(password):
            for u in plan.users:
                account_services.user_create(
                    actor=SYSTEM,
                    username=u.username,
                    password=password,
                    role=u.role,
                    unit=county.units[u.unit_key],
                    full_name=u.full_name,
                    officer=officers[u.officer_badge] if u.officer_badge else None,
                    aide=aides[u.aide_index] if u.aide_index is not None else None,
                )
        done(6, len(plan.users))
    county.seconds = time.monotonic() - started
    return county


# --- Reading it back -----------------------------------------------------------------------


def county_digest(bureau: Bureau) -> str:
    """SHA-256 of the built county's content, without database ids: two builds of the same
    plan give the same digest."""
    areas = {a.pk: a for a in Area.objects.filter(bureau=bureau)}
    units = {u.pk: u for u in Unit.objects.filter(bureau=bureau)}
    served: dict[int, list[str]] = {}
    for c in Coverage.objects.filter(bureau=bureau):
        served.setdefault(c.unit_id, []).append(areas[c.area_id].division_code)
    beats: dict[int, list] = {}
    for b in Beat.objects.filter(bureau=bureau):
        beats.setdefault(b.officer_id, []).append(
            [areas[b.area_id].division_code, b.is_lead, b.start_date.isoformat(), b.end_date]
        )

    by_path = {("area", a.path): a.name for a in areas.values()}
    by_path.update({("unit", u.path): u.name for u in units.values()})

    def parent_name(kind: str, node) -> str:
        return by_path.get((kind, node.path[: -node.steplen]), "")

    data = {
        "areas": sorted(
            [
                a.division_code,
                a.kind,
                a.name,
                a.pinyin,
                parent_name("area", a),
                a.latitude,
                a.longitude,
            ]
            for a in areas.values()
        ),
        "units": sorted(
            [
                u.kind,
                u.name,
                parent_name("unit", u),
                u.address,
                u.phone,
                u.latitude,
                u.longitude,
                sorted(served.get(u.pk, [])),
            ]
            for u in units.values()
        ),
        "officers": sorted(
            [
                o.badge_number,
                o.name,
                o.phone,
                o.title,
                units[o.unit_id].name,
                sorted(beats.get(o.pk, [])),
            ]
            for o in Officer.objects.filter(bureau=bureau)
        ),
        "aides": sorted(
            [areas[a.area_id].division_code, a.name, a.kind, a.subtype, a.phone]
            for a in Aide.objects.filter(bureau=bureau)
        ),
        "users": sorted(
            [
                u.username,
                u.role,
                u.unit.name,
                u.full_name,
                u.officer.badge_number if u.officer else "",
                u.aide.name if u.aide else "",
            ]
            for u in User.objects.filter(bureau=bureau).select_related("unit", "officer", "aide")
        ),
    }
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def demo_users() -> list[User]:
    """The demo accounts that exist, in the logins table's order."""
    found = {
        u.username: u
        for u in User.objects.filter(
            bureau__code=DEMO_BUREAU_CODE, username__in=DEMO_USERNAMES
        ).select_related("unit")
    }
    return [found[name] for name in DEMO_USERNAMES if name in found]


# --- The demo password ---------------------------------------------------------------------


def generate_password() -> str:
    """A random password the validators accept: three groups of four letters and digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        try:
            password_validation.validate_password(candidate)
        except ValidationError:
            continue
        return candidate


def password_file() -> Path:
    return Path(settings.DEMO_PASSWORD_FILE)


def demo_password(*, create: bool = True) -> tuple[str | None, str]:
    """The demo accounts' password and where it comes from: ``$CUNJING_DEMO_PASSWORD``, else the
    password file (created, mode 600, with a random password on first use and reused after)."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env, PASSWORD_ENV
    path = password_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), str(path)
    if not create:
        return None, str(path)
    password = generate_password()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    os.chmod(path, 0o600)
    return password, str(path)
