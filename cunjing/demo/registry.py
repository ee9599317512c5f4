"""Demo registry (一标三实) for a bureau: plausible addresses, dwellings, households and
establishments in every village and community, decided by a seed.

``populate(bureau, seed=2014)`` writes, per village (per community ×1.5), about 20 dwellings at
their own standard addresses with 2–5 residents each (none when vacant), and 2–4
establishments. Every name is invented (the pools of ``demo.wugang``); ID numbers carry the
county's region code (410481 for the demo county) with real birth dates, a sequence digit
matching the sex and a valid GB 11643 check digit, unique in the bureau; some children have no
ID number yet. Unified social credit codes have valid check characters.

It writes with ``bulk_create`` (tens of thousands of rows in seconds) in one transaction with
one audit event for the whole act (``registry.demo.populate`` with the counts): the rows
themselves are the system's, not anybody's work.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from stdnum import numdb
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from cunjing.core import audit
from cunjing.core.roles import SYSTEM
from cunjing.demo import wugang as w
from cunjing.org.models import Area, AreaKind, Bureau
from cunjing.registry.models import (
    Dwelling,
    DwellingKind,
    Establishment,
    EstablishmentKind,
    HouseholdRole,
    Resident,
    StandardAddress,
    id_tail_key,
)
from cunjing.registry.services import initials_of

DEFAULT_SEED = 2014
FALLBACK_REGION = "410481"
DWELLINGS_PER_VILLAGE = 20
BATCH = 2000
TODAY = dt.date(2015, 6, 30)  # the demo's "now": the source report's period

Progress = Callable[[int, int, str, int, float], None]
STAGES = (
    gettext_noop("addresses"),
    gettext_noop("dwellings"),
    gettext_noop("residents"),
    gettext_noop("establishments"),
)

_VILLAGE_ROADS = ("大街", "东街", "西街", "南街", "北街", "前街", "后街", "中心路", "新村路")
_COMMUNITY_ROADS = (
    "建设路",
    "人民路",
    "朝阳路",
    "文化路",
    "光明路",
    "和平路",
    "团结路",
    "幸福路",
    "工业路",
)
_ESTABLISHMENTS_VILLAGE = (
    (EstablishmentKind.SHOP, "{v}便民超市", False),
    (EstablishmentKind.SHOP, "{v}农资店", False),
    (EstablishmentKind.RESTAURANT, "{v}农家饭庄", False),
    (EstablishmentKind.SCHOOL, "{v}小学", True),
    (EstablishmentKind.ENTERPRISE, "{v}建材厂", False),
    (EstablishmentKind.CLINIC, "{v}卫生室", False),
)
_ESTABLISHMENTS_COMMUNITY = (
    (EstablishmentKind.SHOP, "{v}购物中心", False),
    (EstablishmentKind.INTERNET_CAFE, "{v}网吧", True),
    (EstablishmentKind.HOTEL, "{v}宾馆", True),
    (EstablishmentKind.RENTAL_AGENCY, "{v}房屋中介", False),
    (EstablishmentKind.RESTAURANT, "{v}饭店", False),
    (EstablishmentKind.FINANCIAL, "{v}农商银行网点", True),
    (EstablishmentKind.ENTERPRISE, "{v}商贸有限公司", False),
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@functools.lru_cache(maxsize=8192)
def _initials(text: str) -> str:
    return initials_of(text, 50)


@dataclass(frozen=True)
class Populated:
    addresses: int
    dwellings: int
    residents: int
    establishments: int
    seconds: float


def _region_of(bureau: Bureau) -> str:
    """The bureau's county code if it is a real one, else 舞钢市's."""
    places = {key for _part, props in numdb.get("cn/loc").info(bureau.code) for key in props}
    return bureau.code if "county" in places else FALLBACK_REGION


class _Maker:
    """Seeded generator of people, numbers and codes, unique where they must be."""

    def __init__(self, rng: random.Random, region: str, taken_ids: set[str]):
        self.rng = rng
        self.region = region
        self.ids = taken_ids

    def given(self, female: bool) -> str:
        pool = w.GIVEN_FEMALE if female else w.GIVEN_MALE
        name = self.rng.choice(pool)
        if self.rng.random() < 0.7:
            name += self.rng.choice(pool)
        return name

    def surname(self) -> str:
        return self.rng.choice(w.SURNAMES)

    def born(self, low: int, high: int) -> dt.date:
        """A birth date ``low``–``high`` years before the demo's today."""
        days = self.rng.randint(low * 365, high * 365 + 364)
        return TODAY - dt.timedelta(days=days)

    def id_number(self, born: dt.date, female: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 1000)
            if (seq % 2 == 0) != female:  # odd for men, even for women
                seq = (seq + 1) % 1000
            body = f"{self.region}{born:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.ids:
                self.ids.add(number)
                return number

    def mobile(self) -> str:
        # E.164 of a valid mobile prefix: the form ``normalize_phone`` stores (not called here:
        # parsing ten thousand numbers would cost seconds; the tests validate the rows).
        return f"+86{self.rng.choice(w.MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"

    def uscc(self, individual: bool) -> str:
        head = ("92" if individual else "91") + self.region
        body = head + "".join(self.rng.choice(_USCC_ALPHABET[:10]) for _ in range(8))
        body += self.rng.choice(_USCC_ALPHABET)
        code = body + stdnum_uscc.calc_check_digit(body + "0")
        assert stdnum_uscc.is_valid(code), code
        return code


def _household(maker: _Maker, kind: str) -> list[tuple[str, str, dt.date, bool]]:
    """``(name, role, birth date, female)`` of the people in one dwelling."""
    rng = maker.rng
    if kind == DwellingKind.VACANT:
        return []
    if kind in (DwellingKind.RENTED, DwellingKind.COLLECTIVE):
        people = []
        for _ in range(rng.randint(2, 4 if kind == DwellingKind.RENTED else 5)):
            female = rng.random() < 0.4
            people.append(
                (
                    maker.surname() + maker.given(female),
                    HouseholdRole.TENANT,
                    maker.born(18, 50),
                    female,
                )
            )
        return people
    surname = maker.surname()
    head_born = maker.born(28, 70)
    head_female = rng.random() < 0.15
    people = [(surname + maker.given(head_female), HouseholdRole.HEAD, head_born, head_female)]
    size = rng.randint(2, 5)
    if rng.random() < 0.85:
        spouse_born = min(head_born + dt.timedelta(days=rng.randint(-1500, 1500)), TODAY)
        people.append(
            (
                maker.surname() + maker.given(not head_female),
                HouseholdRole.SPOUSE,
                spouse_born,
                not head_female,
            )
        )
    head_age = (TODAY - head_born).days // 365
    while len(people) < size:
        if head_age < 55 and rng.random() < 0.25:
            female = rng.random() < 0.5
            born = maker.born(min(head_age + 22, 95), min(head_age + 32, 98))
            people.append(
                (maker.surname() + maker.given(female), HouseholdRole.PARENT, born, female)
            )
            continue
        oldest = max(head_age - 20, 0)
        female = rng.random() < 0.48
        born = maker.born(0, max(oldest, 1))
        people.append((surname + maker.given(female), HouseholdRole.CHILD, born, female))
    return people


def populate(
    bureau: Bureau,
    *,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    dwellings_per_village: int = DWELLINGS_PER_VILLAGE,
) -> Populated:
    """Fill the registry of every village and community of ``bureau``; all or nothing."""
    started = time.monotonic()
    stage_started = started
    rng = random.Random(f"registry:{seed}")
    region = _region_of(bureau)
    maker = _Maker(
        rng,
        region,
        set(
            Resident.objects.filter(bureau=bureau)
            .exclude(id_number="")
            .values_list("id_number", flat=True)
        ),
    )

    def done(stage: int, count: int) -> None:
        nonlocal stage_started
        now = time.monotonic()
        if progress is not None:
            progress(stage + 1, len(STAGES), STAGES[stage], count, now - stage_started)
        stage_started = now

    areas = list(
        Area.objects.filter(
            bureau=bureau, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]
        ).order_by("path")
    )
    with transaction.atomic():
        # Addresses: one per dwelling, plus the establishments' own.
        plans = []  # (address, dwelling kind or None, establishment spec or None)
        for area in areas:
            community = area.kind == AreaKind.COMMUNITY
            stem = area.name.removesuffix("社区").removesuffix("村")
            roads = (
                rng.sample(_COMMUNITY_ROADS, 3)
                if community
                else [stem + r for r in rng.sample(_VILLAGE_ROADS, 2)]
            )
            count = int(dwellings_per_village * (1.5 if community else 1))
            numbers = {road: 0 for road in roads}
            for _ in range(count):
                road = rng.choice(roads)
                numbers[road] += rng.randint(1, 3)
                building = unit_number = room = ""
                if community and rng.random() < 0.7:
                    building = f"{rng.randint(1, 12)}号楼"
                    unit_number = f"{rng.randint(1, 4)}单元"
                    room = f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
                kind = rng.choices(
                    list(DwellingKind),
                    weights=(60, 25, 5, 10) if community else (80, 8, 2, 10),
                )[0]
                plans.append((area, road, f"{numbers[road]}号", building, unit_number, room, kind))
            menu = _ESTABLISHMENTS_COMMUNITY if community else _ESTABLISHMENTS_VILLAGE
            for spec in rng.sample(menu, rng.randint(2, 4)):
                road = rng.choice(roads)
                numbers[road] += rng.randint(1, 3)
                plans.append((area, road, f"{numbers[road]}号", "", "", "", spec))

        now = timezone.now()
        addresses = []
        for area, road, number, building, unit_number, room, _what in plans:
            lat = lon = None
            if area.latitude is not None and area.longitude is not None:
                lat = round(area.latitude + rng.uniform(-0.003, 0.003), 6)
                lon = round(area.longitude + rng.uniform(-0.003, 0.003), 6)
            full = "".join(p for p in (area.name, road, number, building, unit_number, room) if p)
            addresses.append(
                StandardAddress(
                    bureau=bureau,
                    area=area,
                    road=road,
                    number=number,
                    building=building,
                    unit_number=unit_number,
                    room=room,
                    full_text=full[:300],
                    pinyin_initials=initials_of(road, 100),
                    latitude=lat,
                    longitude=lon,
                    created_at=now,
                    updated_at=now,
                )
            )
        StandardAddress.objects.bulk_create(addresses, batch_size=BATCH)
        done(0, len(addresses))

        dwellings, establishments = [], []
        for address, plan in zip(addresses, plans, strict=True):
            what = plan[-1]
            if isinstance(what, tuple):
                kind, pattern, key = what
                stem = address.area.name.removesuffix("社区").removesuffix("村")
                individual = kind in (EstablishmentKind.SHOP, EstablishmentKind.RESTAURANT)
                contact_female = rng.random() < 0.4
                name = pattern.format(v=stem)
                establishments.append(
                    Establishment(
                        bureau=bureau,
                        area=address.area,
                        address=address,
                        name=name,
                        name_initials=initials_of(name, 100),
                        kind=kind,
                        uscc=maker.uscc(individual) if rng.random() < 0.8 else "",
                        contact_name=maker.surname() + maker.given(contact_female),
                        contact_phone=maker.mobile(),
                        is_key_unit=key,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                dwellings.append(
                    Dwelling(
                        bureau=bureau,
                        area=address.area,
                        address=address,
                        kind=what,
                        created_at=now,
                        updated_at=now,
                    )
                )
        Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
        done(1, len(dwellings))

        residents = []
        for dwelling in dwellings:
            for name, role, born, female in _household(maker, dwelling.kind):
                age = (TODAY - born).days // 365
                has_id = age >= 16 or rng.random() < 0.5
                number = maker.id_number(born, female) if has_id else ""
                residents.append(
                    Resident(
                        bureau=bureau,
                        area=dwelling.area,
                        dwelling=dwelling,
                        name=name,
                        # The pool's surnames are one character: surname and given name
                        # converted apart, each once (pypinyin costs ~0.5 ms a call).
                        name_initials=_initials(name[0]) + _initials(name[1:]),
                        id_number=number,
                        id_tail_key=id_tail_key(number),
                        phone=maker.mobile() if age >= 16 and rng.random() < 0.8 else "",
                        household_role=role,
                        moved_out_on=(
                            TODAY - dt.timedelta(days=rng.randint(1, 300))
                            if rng.random() < 0.03
                            else None
                        ),
                        created_at=now,
                        updated_at=now,
                    )
                )
        Resident.objects.bulk_create(residents, batch_size=BATCH)
        done(2, len(residents))
        Establishment.objects.bulk_create(establishments, batch_size=BATCH)
        done(3, len(establishments))

        result = Populated(
            addresses=len(addresses),
            dwellings=len(dwellings),
            residents=len(residents),
            establishments=len(establishments),
            seconds=0.0,
        )
        audit.record(
            actor=SYSTEM,
            action="registry.demo.populate",
            bureau_id=bureau.pk,
            object_type="org.bureau",
            object_id=bureau.pk,
            after={
                "seed": seed,
                "addresses": result.addresses,
                "dwellings": result.dwellings,
                "residents": result.residents,
                "establishments": result.establishments,
            },
        )
    return Populated(**{**result.__dict__, "seconds": time.monotonic() - started})
