"""The demo county's field work, simulated: what 217 beat officers recorded from the mechanism's
start (2014-09-01) to today, calibrated on the source's results table. The figures and rates
it is calibrated on, and the calendar, are in ``calibration``; the texts of the records and the
source's episodes they retell in ``texture``.

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
  ``RECENT_FACTOR`` of the launch rate, with a work log on nearly every working day. The officers
  in the spotlight (those behind the demo's persona accounts: ``beat-officer``) get records on
  each of the last ``SPOTLIGHT_DAYS`` days, some of them needing a follow-up, so their "today"
  is alive. (Only them: every officer can sign in, but a spotlight on all 217 would make the
  last week several times busier than the year before it.)

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
- the demo county's builder gives every officer an account (``builder.make_plan``); a beat
  officer still without one (another bureau, as the tests' small county) gets one here, through
  ``accounts.services.user_create`` like the builder's, signing in with the ``password`` given:
  records need ``recorded_by``.

Records get ``unit`` = the unit serving the area (as ``org.selectors.serving_unit``
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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from stdnum.cn import ric

from cunjing.accounts import services as account_services
from cunjing.accounts.models import User
from cunjing.core import audit
from cunjing.core.roles import SYSTEM, Role
from cunjing.demo import accounts as demo_accounts
from cunjing.demo import builder, texture, wugang
from cunjing.demo.calibration import (
    BETWEEN_FACTOR,
    FOLLOW_UP_SHARE,
    KINDS,
    LATER_CARD_SHARE,
    LAUNCH_RECORDS,
    RECENT_DAYS,
    RECENT_FACTOR,
    SOURCE_FIGURES,
    SOURCE_FROM,
    SOURCE_OFFICERS,
    SOURCE_TO,
    SPOTLIGHT_DAYS,
    SPOTLIGHT_FOLLOW_UP_SHARE,
    SURPLUS,
    SURPLUS_KINDS,
    day_weight,
    is_working_day,
)
from cunjing.fieldwork.models import (
    FOLLOW_UP_DUE_DAYS,
    Assistance,
    CorrectionRequest,
    FloatingResident,
    FollowUp,
    FollowUpState,
    HardshipKind,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    PreventionKind,
    RecordKind,
    Service,
    VenueKind,
    VisitPurpose,
    Volunteer,
    WorkLog,
)
from cunjing.org import selectors as org_selectors
from cunjing.org.models import AreaKind, Beat, Bureau, Officer, Unit
from cunjing.stats.models import DailyCount
from cunjing.stats.services import RebuildResult, rebuild

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_DAY = dt.timedelta(days=1)


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
    spotlight: bool  # records on each of the last days (see the module's docstring)
    areas: list[BeatArea]
    first_day: dt.date
    last_day: dt.date | None  # exclusive
    community: bool

    def active(self, day: dt.date) -> bool:
        return day >= self.first_day and (self.last_day is None or day < self.last_day)


def _serving_units(bureau: Bureau) -> dict[int, list[Unit]]:
    """Area id → the workstations and offices serving it, in the order the serving rule
    (``org.selectors.choose_serving_unit``) tries them: one query for the whole county."""
    served: dict[int, list[Unit]] = {}
    for coverage in org_selectors.serving_coverages().filter(bureau=bureau):
        served.setdefault(coverage.area_id, []).append(coverage.unit)
    return served


def load_officers(
    bureau: Bureau, *, start: dt.date, end: dt.date, spotlight: Collection[str] = ()
) -> list[SimOfficer]:
    """The beat officers with a beat overlapping ``start``–``end``, in badge order; those whose
    active account is named in ``spotlight`` are in the spotlight."""
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
    in_spotlight = set(
        User.objects.filter(
            bureau=bureau, officer__isnull=False, is_active=True, username__in=list(spotlight)
        ).values_list("officer_id", flat=True)
    )
    officers: dict[int, SimOfficer] = {}
    for beat in beats:
        units = served.get(beat.area_id)
        if not units:
            continue
        unit_id = org_selectors.choose_serving_unit(units, prefer_path=beat.officer.unit.path).pk
        o = officers.get(beat.officer_id)
        if o is None:
            o = officers[beat.officer_id] = SimOfficer(
                officer_id=beat.officer_id,
                name=beat.officer.name,
                unit_id=beat.officer.unit_id,
                user_id=users.get(beat.officer_id),
                spotlight=beat.officer_id in in_spotlight,
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


def create_accounts(officers: list[SimOfficer], *, password: str) -> list[str]:
    """Give every simulated officer without an account one: a beat officer's, on the officer's
    unit, named by the police number, signing in with ``password`` — through
    ``accounts.services.user_create`` (its checks, pinyin and audit event), the password hashed
    once (``demo.accounts.shared_password_hash``). Returns the new usernames."""
    missing = [o for o in officers if o.user_id is None]
    if not missing:
        return []
    by_id = Officer.objects.select_related("unit").in_bulk([o.officer_id for o in missing])
    usernames = []
    with demo_accounts.shared_password_hash(password):
        for o in missing:
            officer = by_id[o.officer_id]
            user = account_services.user_create(
                actor=SYSTEM,
                username=demo_accounts.officer_username(officer.badge_number),
                password=password,
                role=Role.BEAT_OFFICER,
                unit=officer.unit,
                full_name=officer.name,
                officer=officer,
            )
            o.user_id = user.pk
            usernames.append(user.username)
    return usernames


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
    follow_ups: Counter = field(default_factory=Counter)  # state → follow-ups
    corrections: Counter = field(default_factory=Counter)  # voided copies, requests waiting
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

    def _place_stories(self) -> dict[tuple[int, dt.date, str], texture.Story]:
        placed = {}
        for story in texture.STORIES:
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
                if not o.spotlight:
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
        pool = wugang.GIVEN_MALE if male else wugang.GIVEN_FEMALE
        given = self.rng.choice(pool)
        if self.rng.random() < 0.7:
            given += self.rng.choice(pool)
        return self.rng.choice(wugang.SURNAMES) + given

    def _mobile(self) -> str:
        """A unique mobile number in E.164 form (what ``normalize_phone`` stores; every prefix
        is a valid mobile range, tested)."""
        while True:
            raw = self.rng.choice(wugang.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if raw not in self.phones:
                self.phones.add(raw)
                return "+86" + raw

    def _household(self, area: BeatArea) -> str:
        surname = self.rng.choice(wugang.SURNAMES)
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
            "notes": self.rng.choice(texture.FOLLOW_UP_NOTES if follow else texture.VISIT_NOTES),
            "contact_card_given": card,
            "follow_up_needed": follow,
        }

    def floating(self, o, area, day, phase, spotlight):
        region, origin = self.rng.choice(texture.ORIGINS)
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
            "employer": self.rng.choice(texture.EMPLOYERS),
            "expected_stay_days": stay,
            "departed_on": departed,
        }

    def service(self, o, area, day, phase, spotlight):
        kinds, weights = zip(*texture.SERVICE_KIND_WEIGHTS, strict=True)
        kind = self.rng.choices(kinds, weights=weights)[0]
        beneficiary, description, outcome = self.rng.choice(texture.SERVICE_STORIES[kind])
        return {
            "kind": kind,
            "beneficiary": beneficiary.format(s=self.rng.choice(wugang.SURNAMES)),
            "description": description,
            "outcome": outcome,
        }

    def assistance(self, o, area, day, phase, spotlight):
        if phase == "launch" and self.people_ordinal < len(self.launch_people):
            people = self.launch_people[self.people_ordinal]
            self.people_ordinal += 1
        else:
            people = min(1 + int(self.np.poisson(2.0)), 12)
        kind = self.rng.choices(list(HardshipKind), weights=texture.HARDSHIP_WEIGHTS)[0]
        revisit = self.rng.choice((None, 30, 60, 90))
        return {
            "household": self._household(area),
            "people": people,
            "hardship_kind": kind,
            "help_given": self.rng.choice(texture.HARDSHIP_HELP[kind]),
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
            VenueKind.ENTERPRISE: self.rng.choice(texture.EMPLOYERS[:8]),
            VenueKind.COMMUNITY: f"{area.name}活动中心",
        }[venue_kind]
        return {
            "venue_kind": venue_kind,
            "venue": venue,
            "topic": self.rng.choice(texture.OUTREACH_TOPICS),
            "audience_size": self.rng.randint(20, 400),
        }

    def volunteer(self, o, area, day, phase, spotlight):
        return {
            "name": self._name(self.rng.random() < 0.7),
            "phone": self._mobile(),
            "skills": self.rng.choice(texture.VOLUNTEER_SKILLS),
        }

    def prevention(self, o, area, day, phase, spotlight):
        kind = self.rng.choices(list(PreventionKind), weights=texture.PREVENTION_WEIGHTS)[0]
        return {
            "kind": kind,
            "description": self.rng.choice(texture.PREVENTION_TEXT[kind]),
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
        return "；".join(parts) + "。" + self.rng.choice(texture.REFLECTIONS)

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
                spotlight = o.spotlight and chunk.phase == "recent" and day >= spotlight_from
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
                                data["notes"] = self.rng.choice(texture.FOLLOW_UP_NOTES)
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
    password: str | None = None,
    spotlight: Collection[str] = builder.DEMO_USERNAMES,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate the field work of every beat officer of ``bureau`` from ``start`` to ``end``
    (default: today, Asia/Shanghai) with ``seed``; see the module's docstring for the phases and
    their volumes. One transaction. Refuses (``ValueError``) when the bureau already has field
    records in the range: the simulation adds to an empty field-work history, it never merges;
    and when a beat officer has no account and no ``password`` is given for the one they get.
    ``spotlight``: the usernames whose officers work on each of the last days (default: the
    demo's personas).

    Writes in bulk, not through ``fieldwork.services``: ONE audit event ``demo.simulate`` per
    stage (each phase, the follow-ups, the corrections) instead of one per record, and the
    roll-up counters of the range recomputed from the raw records at the end
    (``stats.services.rebuild``). ``progress(label, rows_by_kind, seconds)`` is called after the
    accounts it had to create (if any), after every chunk (a month, or a year of the thin
    phase) and after the counters."""
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
        officers = load_officers(bureau, start=start, end=end, spotlight=spotlight)
        if any(o.user_id is None for o in officers):
            if password is None:
                raise ValueError("beat officers without an account: pass the password for theirs")
            usernames = create_accounts(officers, password=password)
            result.accounts = len(usernames)
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
        follow_started = time.monotonic()
        result.follow_ups = simulate_follow_ups(bureau, start=start, end=end, seed=seed)
        _stage_event(bureau, "follow_ups", start, end, result.follow_ups)
        if progress:
            progress("follow_ups", dict(result.follow_ups), time.monotonic() - follow_started)
        corrections_started = time.monotonic()
        result.corrections = simulate_corrections(bureau, start=start, end=end, seed=seed)
        _stage_event(bureau, "corrections", start, end, result.corrections)
        if progress:
            progress(
                "corrections", dict(result.corrections), time.monotonic() - corrections_started
            )
        counters_started = time.monotonic()
        result.rebuild = rebuild(actor=SYSTEM, bureau=bureau, date_from=start, date_to=end)
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


# A follow-up due more than this many days ago has been closed — done with the officer's next
# visit to that village, else set aside; a few stay open and overdue, as in any county.
FOLLOW_UP_CLOSED_AFTER_DAYS = 3
FOLLOW_UP_LEFT_OPEN_SHARE = 0.04
FOLLOW_UP_DROPPED_SHARE = 0.1
FOLLOW_UP_DROP_REASONS = (
    "住户已搬离本村",
    "问题已自行解决，经电话确认",
    "已移交村委会跟进",
    "户主外出务工，待其返乡后另行走访",
)


def simulate_follow_ups(bureau: Bureau, *, start: dt.date, end: dt.date, seed: int) -> Counter:
    """The follow-ups the simulated records left (a visit flagged for it, an assistance's next
    revisit), in bulk: those long past due closed — done with the same officer's next visit to
    that village (a visit already simulated: no figure changes), else set aside with a reason —
    a few left open and overdue, the recent ones open. Returns the count per state."""
    rng = random.Random(seed + 7)
    today = timezone.localdate()
    visits = list(
        HouseholdVisit.objects.filter(bureau=bureau, occurred_on__range=(start, end))
        .order_by("occurred_on", "id")
        .values_list(
            "id",
            "area_id",
            "unit_id",
            "officer_id",
            "household",
            "occurred_on",
            "created_at",
            "follow_up_needed",
        )
    )
    later: dict[tuple, list] = {}
    for row in visits:
        later.setdefault((row[3], row[1]), []).append(row)
    sources = [
        (
            row[0],
            None,
            row[1],
            row[2],
            row[3],
            row[4],
            row[5] + dt.timedelta(days=FOLLOW_UP_DUE_DAYS),
        )
        for row in visits
        if row[7]
    ]
    sources += [
        (None, *row)
        for row in Assistance.objects.filter(
            bureau=bureau, occurred_on__range=(start, end), next_revisit_on__isnull=False
        ).values_list("id", "area_id", "unit_id", "officer_id", "household", "next_revisit_on")
    ]
    used: set[int] = set()
    rows, counts = [], Counter()
    for visit_id, assistance_id, area_id, unit_id, officer_id, household, due in sources:
        follow_up = FollowUp(
            bureau=bureau,
            area_id=area_id,
            unit_id=unit_id,
            officer_id=officer_id,
            visit_id=visit_id,
            assistance_id=assistance_id,
            household=household,
            due_on=due,
            created_at=_aware(due - dt.timedelta(days=FOLLOW_UP_DUE_DAYS), 18),
        )
        if due < today - dt.timedelta(days=FOLLOW_UP_CLOSED_AFTER_DAYS):
            draw = rng.random()
            if draw < FOLLOW_UP_LEFT_OPEN_SHARE and due > today - dt.timedelta(days=60):
                pass  # overdue, still open
            elif draw > 1 - FOLLOW_UP_DROPPED_SHARE:
                follow_up.state = FollowUpState.DROPPED
                follow_up.reason = rng.choice(FOLLOW_UP_DROP_REASONS)
                follow_up.closed_at = _aware(due + dt.timedelta(days=rng.randint(0, 5)), 17)
            else:
                returned = next(
                    (
                        v
                        for v in later.get((officer_id, area_id), ())
                        if v[5] > due - dt.timedelta(days=FOLLOW_UP_DUE_DAYS)
                        and v[0] != visit_id
                        and v[0] not in used
                    ),
                    None,
                )
                if returned is not None and officer_id is not None:
                    used.add(returned[0])
                    follow_up.state = FollowUpState.DONE
                    follow_up.return_visit_id = returned[0]
                    follow_up.closed_at = returned[6]
                else:
                    follow_up.state = FollowUpState.DROPPED
                    follow_up.reason = rng.choice(FOLLOW_UP_DROP_REASONS)
                    follow_up.closed_at = _aware(due + dt.timedelta(days=rng.randint(0, 5)), 17)
        rows.append(follow_up)
        counts[follow_up.state] += 1
    FollowUp.objects.bulk_create(rows, batch_size=1000)
    return counts


# Visits of the last year entered twice by mistake (a double submission from a phone with a bad
# signal, before the outbox) and voided by the officer the same day: the copies count for
# nothing, the results table is the same.
DUPLICATE_SHARE = 0.002
DUPLICATE_WINDOW_DAYS = 365
# Correction requests waiting for a leader: records of the last weeks past the 7-day window,
# up to this many per central office.
REQUESTS_PER_OFFICE = 2
REQUEST_FROM_DAYS, REQUEST_TO_DAYS = 40, 9


def simulate_corrections(bureau: Bureau, *, start: dt.date, end: dt.date, seed: int) -> Counter:
    """What corrections leave in a county's records, in bulk: a few visits entered twice and
    the copy voided by its officer ("重复录入"), and correction requests of records past the
    correction window waiting for their office's leader. Returns ``{"voided": n,
    "requests": n}``."""
    rng = random.Random(seed + 11)
    first = max(start, end - dt.timedelta(days=DUPLICATE_WINDOW_DAYS))
    ids = list(
        HouseholdVisit.objects.filter(bureau=bureau, occurred_on__range=(first, end))
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = sorted(rng.sample(ids, int(len(ids) * DUPLICATE_SHARE))) if ids else []
    copies = []
    for visit in HouseholdVisit.objects.filter(pk__in=chosen).order_by("id"):
        visit.pk = visit.id = None
        visit.client_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
        visit.created_at += dt.timedelta(minutes=rng.randint(1, 5))
        visit.voided_at = visit.created_at + dt.timedelta(minutes=rng.randint(10, 240))
        visit.voided_by_id = visit.recorded_by_id
        visit.void_reason = "重复录入"
        copies.append(visit)
    HouseholdVisit.objects.bulk_create(copies, batch_size=1000)

    now = timezone.now()
    candidates = (
        HouseholdVisit.objects.filter(
            bureau=bureau,
            voided_at__isnull=True,
            occurred_on__range=(
                end - dt.timedelta(days=REQUEST_FROM_DAYS),
                end - dt.timedelta(days=REQUEST_TO_DAYS),
            ),
            created_at__lt=now - dt.timedelta(days=REQUEST_TO_DAYS),
        )
        .select_related("unit")
        .order_by("id")
    )
    office_depth = 3 * Unit.steplen  # bureau › station › office
    by_office: dict[str, list[HouseholdVisit]] = {}
    for visit in candidates.iterator(chunk_size=2000):
        by_office.setdefault(visit.unit.path[:office_depth], []).append(visit)
    requests = []
    for _office, visits in sorted(by_office.items()):
        for visit in rng.sample(visits, min(REQUESTS_PER_OFFICE, len(visits))):
            asked = visit.created_at + dt.timedelta(days=rng.randint(8, 9), hours=rng.randint(0, 6))
            what = rng.random()
            if what < 0.4:
                action, changes = "correct", {"contact_card_given": not visit.contact_card_given}
                reason = (
                    "联系卡实际未发放" if visit.contact_card_given else "联系卡已发放，录入时漏勾选"
                )
            elif what < 0.8:
                day = visit.occurred_on - dt.timedelta(days=1)
                action, changes = "correct", {"occurred_on": day.isoformat()}
                reason = "走访日期填错，应为前一天"
            else:
                action, changes, reason = "void", {}, "该户当天无人在家，走访未实际进行"
            requests.append(
                CorrectionRequest(
                    bureau=bureau,
                    area_id=visit.area_id,
                    unit_id=visit.unit_id,
                    record_kind=RecordKind.VISITS,
                    record_id=visit.pk,
                    action=action,
                    changes=changes,
                    reason=reason,
                    requested_by_id=visit.recorded_by_id,
                    requested_at=min(asked, now),
                )
            )
    CorrectionRequest.objects.bulk_create(requests, batch_size=1000)
    return Counter({"voided": len(copies), "requests": len(requests)})


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _stage_event(
    bureau: Bureau, stage: str, first: dt.date, last: dt.date, rows: Mapping[str, int]
) -> None:
    audit.record(
        actor=SYSTEM,
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
