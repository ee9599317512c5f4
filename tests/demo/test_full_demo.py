"""The full demo county — ``manage.py demo`` with its registry and simulated field work — read
by every test of this module from ONE build (``full_demo`` in ``tests/demo/conftest.py``: a
first ``demo --no-simulate``, then ``demo --reset``). Its shape, people, accounts and audit
trail — every officer and leader with an account, and the aides of one station; what the
command printed and the list of accounts it wrote, ``--no-simulate``, ``--reset``, the same
county from the same seed and the flags on a database holding the demo; the registry of its
217 areas; and its simulated field work: the results table for 2014-09-01..2015-01-20 is the
source's within 5 %, the counters equal a recount of the raw records over the whole history,
and the demo beat officer has work in the last days. Determinism and the details of the
simulation are checked on the small county in ``test_simulation_small.py``; the command's plan,
flags and password without a build in ``test_command.py``.

The tests stay in this one module so that the build happens once: under pytest-xdist,
``--dist loadfile`` (as ``scripts/test.sh`` runs it) gives the whole module to one worker."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import Role
from cunjing.demo import builder, calibration, wugang
from cunjing.demo import registry as registry_demo
from cunjing.fieldwork import selectors as fieldwork_selectors
from cunjing.fieldwork.models import (
    Assistance,
    CorrectionRequest,
    FollowUp,
    HouseholdVisit,
    Volunteer,
    WorkLog,
)
from cunjing.org import selectors as org_selectors
from cunjing.org.models import (
    Aide,
    Area,
    AreaKind,
    Beat,
    Bureau,
    Coverage,
    Officer,
    Unit,
    UnitKind,
)
from cunjing.registry.models import Dwelling, Resident
from cunjing.stats import selectors as stats
from cunjing.stats.models import DailyCount
from tests.demo.conftest import PASSWORD
from tests.fieldwork.test_recount import recount

pytestmark = pytest.mark.once_sqlite  # builds the full demo county: one pass (scripts/test.sh)
DEMO_CODE = builder.DEMO_BUREAU_CODE
BEAT_OFFICERS, STATIONS, OFFICES = 217, 14, 27
OFFICERS = BEAT_OFFICERS + STATIONS + OFFICES + len(builder.BUREAU_LEADERS)  # and the leaders


def sign_in(client, username: str, password: str) -> bool:
    """Through the sign-in page (as ``tests/accounts/test_administration.py``): let in?"""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


# --- The county ----------------------------------------------------------------------------------


def area(name: str) -> Area:
    return Area.objects.get(bureau__code=DEMO_CODE, name=name)


def serving(area_: Area, kind: str) -> list[Unit]:
    return [
        c.unit for c in Coverage.objects.filter(area=area_, unit__kind=kind).select_related("unit")
    ]


class TestBuiltCounty:
    def test_exact_counts(self, db, full_demo):
        b = full_demo.bureau
        assert Bureau.objects.count() == 1
        units = Unit.objects.filter(bureau=b)
        areas = Area.objects.filter(bureau=b)
        assert units.filter(kind=UnitKind.BUREAU).count() == 1
        assert units.filter(kind=UnitKind.STATION).count() == 14  # 13 areas + 王店
        assert units.filter(kind=UnitKind.OFFICE).count() == 27
        assert units.filter(kind=UnitKind.WORKSTATION).count() == 190
        assert areas.filter(kind=AreaKind.COUNTY).count() == 1
        assert areas.filter(kind=AreaKind.SUBDISTRICT).count() == 5
        assert areas.filter(kind=AreaKind.TOWN).count() == 4
        assert areas.filter(kind=AreaKind.TOWNSHIP).count() == 4
        assert areas.filter(kind=AreaKind.COMMUNITY).count() == 26
        assert areas.filter(kind=AreaKind.VILLAGE).count() == 191
        officers = Officer.objects.filter(bureau=b)
        assert officers.count() == OFFICERS
        assert officers.filter(beats__isnull=False).distinct().count() == BEAT_OFFICERS

    def test_coverage_endpoint_reports_every_area_covered(self, db, full_demo, client):
        from cunjing.accounts.services import token_issue

        commander = User.objects.get(username="commander")
        token, _ = token_issue(user=commander)
        response = client.get("/api/org/coverage", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        body = response.json()
        assert (body["areas_total"], body["areas_covered"], body["uncovered"]) == (217, 217, [])

    def test_demo_personas_see_their_scope(self, db, full_demo, client):
        from cunjing.accounts.services import token_issue

        def names(username):
            token, _ = token_issue(user=User.objects.get(username=username))
            response = client.get(
                "/api/org/areas?limit=500&kind=village", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            return [a["name"] for a in response.json()["items"]]

        assert names("beat-officer") == ["瓦房沟村"]
        station = names("station-leader")
        assert "瓦房沟村" in station and "刘沟村" not in station
        assert len(names("commander")) == 191

    def test_every_area_has_a_lead_officer_and_both_kinds_of_aides(self, db, full_demo):
        beat_areas = Area.objects.filter(
            bureau=full_demo.bureau, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]
        ).annotate(
            leads=Count(
                "beats",
                filter=Q(
                    beats__is_lead=True,
                    beats__end_date__isnull=True,
                    beats__officer__is_active=True,
                ),
                distinct=True,
            ),
            patrollers=Count("aides", filter=Q(aides__kind="patroller"), distinct=True),
            security=Count("aides", filter=Q(aides__kind="security_member"), distinct=True),
        )
        assert beat_areas.count() == 217
        for a in beat_areas:
            assert a.leads == 1, a.name
            assert a.patrollers >= 1, a.name
            assert a.security >= 1, a.name
        active = Beat.objects.filter(bureau=full_demo.bureau).active()
        assert active.values("area").distinct().count() == 217
        subtypes = set(
            Aide.objects.filter(bureau=full_demo.bureau).values_list("subtype", flat=True)
        )
        assert subtypes == {"", "graduate_official", "resident_cadre", "security_director"}

    def test_officers_on_beats_match_the_source(self, db, full_demo):
        everyone = Officer.objects.filter(bureau=full_demo.bureau)
        officers = everyone.filter(
            title__in=[builder.BEAT_OFFICER_TITLE, builder.OFFICE_OFFICER_TITLE]
        )
        assert officers.count() == BEAT_OFFICERS
        assert all(o.beats.filter(end_date__isnull=True).exists() for o in officers)
        shared = Unit.objects.get(bureau=full_demo.bureau, name=wugang.SHARED_WORKSTATION[2])
        (officer,) = shared.officers.all()
        assert sorted(b.area.name for b in officer.beats.filter(is_lead=True)) == sorted(
            wugang.SHARED_WORKSTATION[1]
        )
        double = area(wugang.DOUBLE_OFFICE_COMMUNITY)
        assert len(serving(double, UnitKind.OFFICE)) == 2
        beats = Beat.objects.filter(area=double, end_date__isnull=True)
        assert beats.count() == 2 and beats.filter(is_lead=True).count() == 1
        zhou = officers.get(name="周志强")
        assert zhou.unit.get_parent().name == "朱兰派出所"
        assert officers.filter(name="金文").count() == 1
        # The leaders walk no beat: the 局长 and 副局长 (named in the source) at the bureau, a
        # 所长 at every station, a 主任 at every central office.
        leaders = everyone.exclude(pk__in=officers)
        assert not Beat.objects.filter(officer__in=leaders).exists()
        bureau_leaders = leaders.filter(unit__kind=UnitKind.BUREAU)
        assert sorted(bureau_leaders.values_list("name", "title")) == sorted(
            (name, title) for name, title, _role in builder.BUREAU_LEADERS
        )
        assert sorted(
            leaders.exclude(pk__in=bureau_leaders).values_list("unit__kind", "title")
        ) == (
            [(UnitKind.OFFICE, builder.OFFICE_LEADER_TITLE)] * OFFICES
            + [(UnitKind.STATION, builder.STATION_LEADER_TITLE)] * STATIONS
        )
        assert len({o.unit_id for o in leaders}) == leaders.count() - 1  # two at the bureau
        badges = list(everyone.values_list("badge_number", flat=True))
        assert len(set(badges)) == OFFICERS and all(re.fullmatch(r"\d{6}", x) for x in badges)
        phones = list(everyone.values_list("phone", flat=True))
        assert all(re.fullmatch(r"\+861[358]\d{9}", p) for p in phones)

    def test_wafanggou_and_liugou(self, db, full_demo):
        wafanggou = area("瓦房沟村")
        assert wafanggou.get_parent().name == "杨庄乡"
        assert wafanggou.division_code == "410481205221"
        (ws,) = serving(wafanggou, UnitKind.WORKSTATION)
        assert ws.get_parent().get_parent().name == "杨庄派出所"
        liugou = area("刘沟村")
        assert liugou.get_parent().name == "庙街乡"
        (ws,) = serving(liugou, UnitKind.WORKSTATION)
        assert ws.get_parent().get_parent().name == "庙街派出所"

    def test_unit_tree_and_coverage_agree(self, db, full_demo):
        units = Unit.objects.filter(bureau=full_demo.bureau)
        root = units.get(kind=UnitKind.BUREAU)
        for station in units.filter(kind=UnitKind.STATION):
            assert station.get_parent() == root
            assert station.get_children().filter(kind=UnitKind.OFFICE).exists(), station.name
        for office in units.filter(kind=UnitKind.OFFICE):
            assert office.get_parent().kind == UnitKind.STATION
        for ws in units.filter(kind=UnitKind.WORKSTATION):
            office = ws.get_parent()
            assert office.kind == UnitKind.OFFICE
            # the workstation's villages lie in a township its station serves
            townships = {c.area_id for c in office.get_parent().coverages.all()}
            villages = [c.area for c in ws.coverages.select_related("area")]
            assert villages and all(v.kind == AreaKind.VILLAGE for v in villages)
            assert all(v.get_parent().pk in townships for v in villages), ws.name
        served = Coverage.objects.filter(bureau=full_demo.bureau, unit__kind=UnitKind.WORKSTATION)
        assert served.values("area").distinct().count() == 191
        assert served.count() == 191
        offices = Coverage.objects.filter(bureau=full_demo.bureau, unit__kind=UnitKind.OFFICE)
        assert offices.count() == 27 and offices.values("area").distinct().count() == 26
        assert Coverage.objects.filter(unit=root, area__kind=AreaKind.COUNTY).count() == 1

    def test_division_codes_and_coordinates(self, db, full_demo):
        areas = list(Area.objects.filter(bureau=full_demo.bureau))
        codes = [a.division_code for a in areas]
        assert len(codes) == len(set(codes)) == 231
        assert all(re.fullmatch(r"410481\d{6}", c) for c in codes)
        for a in areas:
            assert 33.2 <= a.latitude <= 33.45 and 113.3 <= a.longitude <= 113.75, a.name
            assert a.pinyin and a.pinyin_initials
            if a.kind == AreaKind.VILLAGE:
                assert a.division_code[9] == "2"
                assert a.division_code[6:9] == a.get_parent().division_code[6:9]
            elif a.kind == AreaKind.COMMUNITY:
                assert a.division_code[9] == "0"
        assert area("瓦房沟村").pinyin == "wafanggoucun"

    def test_every_row_was_written_through_the_services(self, db, full_demo):
        bureau = full_demo.bureau
        events = AuditEvent.objects.filter(bureau=bureau, action__endswith=".create")
        for queryset, label in [
            (Area.objects.filter(bureau=bureau), "org.area"),
            (Unit.objects.filter(bureau=bureau), "org.unit"),
            (Coverage.objects.filter(bureau=bureau), "org.coverage"),
            (Officer.objects.filter(bureau=bureau), "org.officer"),
            (Aide.objects.filter(bureau=bureau), "org.aide"),
            (Beat.objects.filter(bureau=bureau), "org.beat"),
            # every account, the builder's ``user_create`` (none left for the simulation)
            (User.objects.filter(bureau=bureau), "accounts.user"),
        ]:
            rows = queryset.count()
            assert rows and events.filter(object_type=label).count() == rows, label
        assert not events.exclude(role="system").exists()
        assert set(events.values_list("channel", flat=True)) == {"command"}

    def test_every_officer_and_leader_has_an_account(self, db, full_demo):
        """One account per officer, linked to them: named by the police number (the personas'
        kept), the officer's name and unit, the role their post gives (``account_role``)."""
        officers = Officer.objects.filter(bureau=full_demo.bureau).select_related("unit", "user")
        personas = set(builder.DEMO_USERNAMES)
        roles = Counter()
        for officer in officers:
            user = officer.user  # the reverse one-to-one: exactly one account
            assert user.username in personas or user.username == officer.badge_number
            assert (user.full_name, user.unit_id, user.bureau_id) == (
                officer.name,
                officer.unit_id,
                officer.bureau_id,
            )
            on_beat = officer.beats.exists()
            expected = {
                UnitKind.BUREAU: dict(
                    (name, role) for name, _title, role in builder.BUREAU_LEADERS
                ).get(officer.name),
                UnitKind.STATION: Role.STATION_LEADER,
                UnitKind.OFFICE: Role.BEAT_OFFICER if on_beat else Role.OFFICE_LEADER,
                UnitKind.WORKSTATION: Role.BEAT_OFFICER,
            }[officer.unit.kind]
            assert user.role == expected, (officer.name, officer.title)
            assert user.pinyin and user.pinyin_initials
            assert user.is_active and not user.must_change_password
            roles[user.role] += 1
        assert roles == {
            Role.BEAT_OFFICER: BEAT_OFFICERS,
            Role.OFFICE_LEADER: OFFICES,
            Role.STATION_LEADER: STATIONS,
            Role.COMMANDER: 1,
            Role.INSPECTOR: 1,
        }

    def test_the_aides_of_one_station_have_accounts_and_no_others(self, db, full_demo):
        bureau = full_demo.bureau
        station = Unit.objects.get(
            bureau=bureau, name=builder.station_name(builder.AIDE_ACCOUNTS_STATION)
        )
        served = Coverage.objects.filter(unit__path__startswith=station.path).values("area")
        aides = Aide.objects.filter(bureau=bureau).select_related("area")
        inside = list(aides.filter(area__in=served))
        assert len(inside) == 21 * 2 + 3  # 杨庄乡: 21 villages, 杨庄社区 (three aides)
        for aide in inside:
            user = User.objects.get(aide=aide)
            assert (user.role, user.full_name) == (Role.AIDE, aide.name)
            assert user.unit == org_selectors.serving_unit(aide.area), aide.area.name
            assert user.unit.kind in (UnitKind.WORKSTATION, UnitKind.OFFICE)
            assert user.username == "aide" or re.fullmatch(r"aide-\d{6}-\d", user.username)
        assert not User.objects.filter(aide__in=aides.exclude(area__in=served)).exists()
        assert User.objects.filter(bureau=bureau, role=Role.AIDE).count() == len(inside)

    def test_users_have_their_roles_and_units(self, db, full_demo):
        found = User.objects.filter(bureau=full_demo.bureau).select_related("unit", "officer")
        users = {u.username: u for u in found}
        # Officers, aides of one station and the three admins; all with the one demo password.
        assert len(users) == OFFICERS + 45 + 3
        assert len({u.password for u in users.values()}) == 1  # one hash for all (demo only)
        assert users["commander"].check_password(PASSWORD)
        expected = {
            "commander": (Role.COMMANDER, "舞钢市公安局"),
            "inspector": (Role.INSPECTOR, "舞钢市公安局"),
            "station-leader": (Role.STATION_LEADER, "杨庄派出所"),
            "office-leader": (Role.OFFICE_LEADER, "杨庄中心警务室"),
            "beat-officer": (Role.BEAT_OFFICER, "瓦房沟警务工作站"),
            "aide": (Role.AIDE, "瓦房沟警务工作站"),
            "sysadmin": (Role.SYSADMIN, "舞钢市公安局"),
            "secadmin": (Role.SECADMIN, "舞钢市公安局"),
            "auditor": (Role.AUDITOR, "舞钢市公安局"),
        }
        for username, (role, unit) in expected.items():
            assert (users[username].role, users[username].unit.name) == (role, unit), username
        wafanggou = area("瓦房沟村")
        beat_officer = users["beat-officer"].officer
        assert beat_officer.beats.get(area=wafanggou).is_lead
        assert users["beat-officer"].full_name == beat_officer.name
        assert users["aide"].aide.area == wafanggou
        office_leader_unit = users["office-leader"].unit
        assert users["beat-officer"].unit.get_parent() == office_leader_unit
        assert users["commander"].full_name == users["commander"].officer.name == "王中孚"
        assert users["inspector"].officer.name == "王利军"
        assert users["station-leader"].officer.title == builder.STATION_LEADER_TITLE
        assert users["office-leader"].officer.unit == office_leader_unit
        for admin in ("sysadmin", "secadmin", "auditor"):
            assert users[admin].officer is None and users[admin].aide_id is None

    @pytest.mark.parametrize("username", builder.DEMO_USERNAMES)
    def test_users_can_sign_in_with_the_demo_password(self, db, full_demo, username):
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=username, password=PASSWORD)
        assert user is not None and user.username == username
        assert authenticate(request, username=username, password=PASSWORD + "x") is None

    def test_every_officer_signs_in_with_the_demo_password(self, db, full_demo, client):
        """Every officer's account signs in with the demo password (checked on every one); a
        sample of each role signs in through the sign-in page and opens its first pages."""
        users = User.objects.filter(bureau=full_demo.bureau)
        officers = Officer.objects.filter(bureau=full_demo.bureau)
        accounts = users.filter(officer__in=officers)
        assert accounts.count() == officers.count() == OFFICERS
        for user in accounts:
            assert user.has_usable_password() and user.check_password(PASSWORD), user.username
        sample = [
            users.filter(role=role)
            .exclude(username__in=builder.DEMO_USERNAMES)
            .order_by("username")[3]
            for role in (Role.BEAT_OFFICER, Role.OFFICE_LEADER, Role.STATION_LEADER, Role.AIDE)
        ]
        for user in sample:
            assert not sign_in(client, user.username, PASSWORD + "x")
            assert sign_in(client, user.username, PASSWORD), user.username
            assert client.get(reverse("dashboard:home")).status_code == 200, user.username
            client.logout()
        beat = sample[0]
        assert sign_in(client, beat.username, PASSWORD)
        assert client.get(reverse("fieldwork:worklog_mine")).status_code == 200
        assert WorkLog.objects.filter(recorded_by=beat).exists()


# --- The command ---------------------------------------------------------------------------------


def test_command_output_shows_progress_and_logins(full_demo, db):
    out = full_demo.output
    for step in range(1, 8):
        assert f"[{step}/7]" in out
    accounts = User.objects.filter(bureau=full_demo.bureau).count()
    assert re.search(rf"^  \[7/7\] .+ {accounts}  \(\d+\.\d s\)$", out, re.MULTILINE)
    # Where the list of every account is: the security admin's page and the file.
    assert "/accounts/users/" in out and str(full_demo.accounts_file) in out
    for username in builder.DEMO_USERNAMES:
        assert re.search(rf"^{re.escape(username)}\s", out, re.MULTILINE), username
    assert out.count(PASSWORD) == len(builder.DEMO_USERNAMES)
    logins = io.StringIO()
    call_command("demo", "--logins", stdout=logins)
    assert "瓦房沟警务工作站" in logins.getvalue()
    assert logins.getvalue().count(PASSWORD) == len(builder.DEMO_USERNAMES)
    assert Bureau.objects.count() == 1


def test_no_simulate_builds_the_county_without_field_work(full_demo, db):
    first = full_demo.first
    assert first.field_records == 0
    assert first.residents == 0
    assert first.matter_categories > 0  # the services of the portal and Open311: always
    assert first.users == len(builder.make_plan().users)


def test_same_seed_builds_the_same_county(full_demo, db):
    # The first build was flushed by ``--reset`` and built again from the same seed.
    assert full_demo.first.digest == full_demo.digest


def test_existing_demo_needs_reset(full_demo, db):
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "舞钢市公安局" in out.getvalue()
    assert Bureau.objects.count() == 1


def test_the_list_of_accounts_is_written_for_excel(full_demo, db):
    """``var/demo-accounts.csv``: UTF-8 with a byte-order mark, a header, then every account of
    the demo county — username, name, role, unit — and no password."""
    raw = full_demo.accounts_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(header) == 4 and all(len(r) == 4 for r in body)
    users = User.objects.filter(bureau=full_demo.bureau).select_related("unit")
    assert len(body) == users.count()
    with translation.override("zh-hans"):  # as the command wrote it (settings.LANGUAGE_CODE)
        expected = sorted(
            [u.username, u.full_name, str(Role(u.role).label), u.unit.name] for u in users
        )
    assert sorted(body) == expected
    assert body[0][0] == "commander"  # the bureau's people first, its leaders first
    assert ["beat-officer", User.objects.get(username="beat-officer").full_name] == body[
        [r[0] for r in body].index("beat-officer")
    ][:2]
    assert PASSWORD not in raw.decode("utf-8-sig")
    # ``--logins`` writes it again (the accounts may have changed since).
    full_demo.accounts_file.unlink()
    call_command("demo", "--logins", stdout=io.StringIO())
    assert full_demo.accounts_file.read_bytes() == raw


# --- The registry --------------------------------------------------------------------------------


def test_the_whole_demo_county_is_populated_quickly(full_demo, db):
    """The 217 areas of the demo county: well under 30 s on SQLite (the sum of the registry's
    stages in the command's progress lines)."""
    bureau = full_demo.bureau
    event = AuditEvent.objects.get(bureau=bureau, action="registry.demo.populate")
    assert event.after["seed"] == builder.DEFAULT_SEED
    stages = re.findall(
        rf"^  \[\d/{len(registry_demo.STAGES)}\] .*\((\d+\.\d) s\)$", full_demo.output, re.MULTILINE
    )
    assert len(stages) == len(registry_demo.STAGES)
    seconds = sum(float(s) for s in stages)
    print(f"demo registry: {event.after} in {seconds:.1f} s")
    assert event.after["dwellings"] >= 217 * 20
    assert Dwelling.objects.filter(bureau=bureau).count() == event.after["dwellings"]
    assert Resident.objects.filter(bureau=bureau).count() == event.after["residents"]
    assert seconds < 30


# --- The simulated field work --------------------------------------------------------------------


def test_the_demo_reproduces_the_source_and_its_counters_equal_a_recount(full_demo, db):
    bureau = full_demo.bureau
    today = timezone.localdate()
    commander = User.objects.get(username="commander")
    root = Unit.objects.get(bureau=bureau, depth=1)

    # (a) The results table of the source's range, from the roll-ups, within 5 % of the source.
    got = stats.totals(
        commander, unit=root, date_from=calibration.SOURCE_FROM, date_to=calibration.SOURCE_TO
    )
    for figure, expected in calibration.SOURCE_FIGURES.items():
        if expected == 0:
            assert got[figure] == 0, figure
        else:
            assert abs(got[figure] - expected) <= 0.05 * expected, (figure, got[figure])

    # (b) Counters equal a recount of the raw records: the bureau over the whole history, each
    # year and the source's range; every station and the demo workstation ...
    ranges = [(calibration.SOURCE_FROM, today), (calibration.SOURCE_FROM, calibration.SOURCE_TO)]
    ranges += [
        (max(dt.date(y, 1, 1), calibration.SOURCE_FROM), min(dt.date(y, 12, 31), today))
        for y in range(2014, today.year + 1)
    ]
    stations = list(Unit.objects.filter(bureau=bureau, kind=UnitKind.STATION))
    workstation = User.objects.get(username="beat-officer").unit
    checks = [(root, r) for r in ranges]
    checks += [(station, ranges[0]) for station in stations]
    checks += [(workstation, r) for r in (ranges[0], (today - dt.timedelta(days=30), today))]
    for unit, (date_from, date_to) in checks:
        scope = Q(bureau=bureau, unit__path__startswith=unit.path)
        found = stats.totals(commander, unit=unit, date_from=date_from, date_to=date_to)
        assert found == recount(scope, date_from, date_to), (unit.name, date_from, date_to)
    # ... and day by day for the bureau (every day of the history, two figures).
    for model, figure in ((HouseholdVisit, "visits"), (Volunteer, "volunteers")):
        raw = dict(
            model.objects.filter(bureau=bureau, voided_at__isnull=True)
            .order_by()
            .values_list("occurred_on")
            .annotate(n=Count("id"))
        )
        daily = dict(
            DailyCount.objects.filter(bureau=bureau, unit=root, figure=figure).values_list(
                "day", "value"
            )
        )
        assert daily == raw
        assert min(raw) == calibration.SOURCE_FROM and max(raw) == today

    # (c) The demo beat officer (瓦房沟村) worked on each of the last days, with follow-ups.
    officer = User.objects.get(username="beat-officer").officer
    last_week = [today - dt.timedelta(days=i) for i in range(7)]
    visits = HouseholdVisit.objects.filter(officer=officer, occurred_on__in=last_week)
    assert {v.occurred_on for v in visits} == set(last_week)
    assert visits.filter(follow_up_needed=True).exists()
    assert WorkLog.objects.filter(officer=officer, day=today).exists()
    assert visits.first().area.name == "瓦房沟村"

    # (d) Every flagged visit and every planned revisit has its follow-up: the old ones closed
    # (done with a later visit of the same officer to that village, or set aside with a reason),
    # a few overdue, the recent ones open — and the demo officer has some waiting.
    flagged = HouseholdVisit.objects.filter(follow_up_needed=True, voided_at__isnull=True).count()
    revisits = Assistance.objects.filter(next_revisit_on__isnull=False).count()
    assert FollowUp.objects.count() == flagged + revisits
    states = Counter(FollowUp.objects.values_list("state", flat=True))
    assert states["done"] > states["dropped"] > 0 and states["open"] > 0
    overdue = FollowUp.objects.filter(state="open", due_on__lt=today - dt.timedelta(days=3))
    assert 0 < overdue.count() < states["open"]
    for f in FollowUp.objects.filter(state="done").select_related("return_visit")[:200]:
        assert (f.return_visit.officer_id, f.return_visit.area_id) == (f.officer_id, f.area_id)
    assert not FollowUp.objects.filter(state="dropped", reason="").exists()
    assert FollowUp.objects.filter(officer=officer, state="open").exists()

    # (e) Corrections: a few visits entered twice, the copy voided (counted above: the daily
    # counters equal the visits not voided); requests past the window waiting in every office.
    voided = HouseholdVisit.objects.filter(voided_at__isnull=False)
    assert voided.exists() and not voided.exclude(void_reason="重复录入").exists()
    assert not voided.filter(voided_by__isnull=True).exists()
    waiting = CorrectionRequest.objects.filter(state="pending")
    offices = Unit.objects.filter(bureau=bureau, kind="office").count()
    assert offices <= waiting.count() <= 2 * offices
    leader = User.objects.get(username="office-leader")
    assert fieldwork_selectors.corrections_to_decide(leader) > 0

    # One audit event per stage, none per record (``--reset`` flushed the database before the
    # build: every audit event in it is the build's).
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    # three phases, follow-ups, corrections (every officer had an account already)
    assert actions.count("demo.simulate") == 5
    assert actions.count("stats.rebuild") == 1
    assert not [a for a in actions if a.startswith("fieldwork.")]

    # Progress was shown, month by month.
    for label in ("2014-09", "2015-01", f"{today:%Y-%m}"):
        assert f"  {label}" in full_demo.output
    assert full_demo.seconds < 600, full_demo.seconds
