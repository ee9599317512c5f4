"""The demo county (``manage.py demo``): its shape, its determinism, its accounts and its flags."""

from __future__ import annotations

import io
import os
import re
import stat

import pytest
from django.contrib.auth import authenticate, password_validation
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.test import RequestFactory, override_settings

from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM, Role
from cunjing.demo import builder, wugang
from cunjing.org import services as org
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

PASSWORD = "Demo-pass-2014"
DEMO_CODE = builder.DEMO_BUREAU_CODE


class Built:
    """What the class fixture leaves for the tests: the county built twice with the same seed
    (the first build through ``demo``, the second through ``demo --reset``, which flushes it)."""

    first_digest: str
    second_digest: str
    output: str
    bureau: Bureau


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker):
    """Build the county for the class (fast hashing, as in conftest) with ``demo``, then again
    with ``demo --reset``; roll everything back after."""
    previous = os.environ.get(builder.PASSWORD_ENV)
    os.environ[builder.PASSWORD_ENV] = PASSWORD
    result = Built()
    try:
        with (
            django_db_blocker.unblock(),
            transaction.atomic(),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        ):
            call_command("demo", "--no-simulate", stdout=io.StringIO())
            result.first_digest = builder.county_digest(Bureau.objects.get(code=DEMO_CODE))
            out = io.StringIO()
            call_command("demo", "--reset", "--no-simulate", stdout=out)
            result.output = out.getvalue()
            result.bureau = Bureau.objects.get(code=DEMO_CODE)
            result.second_digest = builder.county_digest(result.bureau)
            yield result
            transaction.set_rollback(True)
    finally:
        if previous is None:
            os.environ.pop(builder.PASSWORD_ENV, None)
        else:
            os.environ[builder.PASSWORD_ENV] = previous


def area(name: str) -> Area:
    return Area.objects.get(bureau__code=DEMO_CODE, name=name)


def serving(area_: Area, kind: str) -> list[Unit]:
    return [
        c.unit for c in Coverage.objects.filter(area=area_, unit__kind=kind).select_related("unit")
    ]


@pytest.mark.usefixtures("built")
class TestBuiltCounty:
    def test_exact_counts(self, db, built):
        b = built.bureau
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
        assert Officer.objects.filter(bureau=b).count() == 217

    def test_coverage_endpoint_reports_every_area_covered(self, db, built, client):
        from cunjing.accounts.services import token_issue

        commander = User.objects.get(username="commander")
        token, _ = token_issue(user=commander)
        response = client.get("/api/org/coverage", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        body = response.json()
        assert (body["areas_total"], body["areas_covered"], body["uncovered"]) == (217, 217, [])

    def test_demo_personas_see_their_scope(self, db, built, client):
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

    def test_every_area_has_a_lead_officer_and_both_kinds_of_aides(self, db, built):
        beat_areas = Area.objects.filter(
            bureau=built.bureau, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]
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
        active = Beat.objects.filter(bureau=built.bureau).active()
        assert active.values("area").distinct().count() == 217
        subtypes = set(Aide.objects.filter(bureau=built.bureau).values_list("subtype", flat=True))
        assert subtypes == {"", "graduate_official", "resident_cadre", "security_director"}

    def test_officers_on_beats_match_the_source(self, db, built):
        officers = Officer.objects.filter(bureau=built.bureau)
        assert all(o.beats.filter(end_date__isnull=True).exists() for o in officers)
        shared = Unit.objects.get(bureau=built.bureau, name=wugang.SHARED_WORKSTATION[2])
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
        assert not officers.filter(name__in=["王利军", "王中孚"]).exists()
        badges = list(officers.values_list("badge_number", flat=True))
        assert len(set(badges)) == 217 and all(re.fullmatch(r"\d{6}", x) for x in badges)
        phones = list(officers.values_list("phone", flat=True))
        assert all(re.fullmatch(r"\+861[358]\d{9}", p) for p in phones)

    def test_wafanggou_and_liugou(self, db, built):
        wafanggou = area("瓦房沟村")
        assert wafanggou.get_parent().name == "杨庄乡"
        assert wafanggou.division_code == "410481205221"
        (ws,) = serving(wafanggou, UnitKind.WORKSTATION)
        assert ws.get_parent().get_parent().name == "杨庄派出所"
        liugou = area("刘沟村")
        assert liugou.get_parent().name == "庙街乡"
        (ws,) = serving(liugou, UnitKind.WORKSTATION)
        assert ws.get_parent().get_parent().name == "庙街派出所"

    def test_unit_tree_and_coverage_agree(self, db, built):
        units = Unit.objects.filter(bureau=built.bureau)
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
        served = Coverage.objects.filter(bureau=built.bureau, unit__kind=UnitKind.WORKSTATION)
        assert served.values("area").distinct().count() == 191
        assert served.count() == 191
        offices = Coverage.objects.filter(bureau=built.bureau, unit__kind=UnitKind.OFFICE)
        assert offices.count() == 27 and offices.values("area").distinct().count() == 26
        assert Coverage.objects.filter(unit=root, area__kind=AreaKind.COUNTY).count() == 1

    def test_division_codes_and_coordinates(self, db, built):
        areas = list(Area.objects.filter(bureau=built.bureau))
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

    def test_every_row_was_written_through_the_services(self, db, built):
        events = AuditEvent.objects.filter(bureau=built.bureau, action__endswith=".create")
        for model, label in [
            (Area, "org.area"),
            (Unit, "org.unit"),
            (Coverage, "org.coverage"),
            (Officer, "org.officer"),
            (Aide, "org.aide"),
            (Beat, "org.beat"),
            (User, "accounts.user"),
        ]:
            rows = model.objects.filter(bureau=built.bureau).count()
            assert rows and events.filter(object_type=label).count() == rows, label
        assert not events.exclude(role="system").exists()
        assert set(events.values_list("channel", flat=True)) == {"command"}

    def test_users_have_their_roles_and_units(self, db, built):
        users = {u.username: u for u in User.objects.filter(bureau=built.bureau)}
        assert set(users) == set(builder.DEMO_USERNAMES)
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
        assert users["commander"].full_name == "王中孚"

    @pytest.mark.parametrize("username", builder.DEMO_USERNAMES)
    def test_users_can_sign_in_with_the_demo_password(self, db, built, username):
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=username, password=PASSWORD)
        assert user is not None and user.username == username
        assert authenticate(request, username=username, password=PASSWORD + "x") is None

    def test_command_output_shows_progress_and_logins(self, db, built):
        out = built.output
        for step in range(1, 8):
            assert f"[{step}/7]" in out
        for username in builder.DEMO_USERNAMES:
            assert re.search(rf"^{re.escape(username)}\s", out, re.MULTILINE), username
        assert out.count(PASSWORD) == len(builder.DEMO_USERNAMES)
        logins = io.StringIO()
        call_command("demo", "--logins", stdout=logins)
        assert "瓦房沟警务工作站" in logins.getvalue()
        assert logins.getvalue().count(PASSWORD) == len(builder.DEMO_USERNAMES)
        assert Bureau.objects.count() == 1

    def test_no_simulate_builds_the_county_without_field_work(self, db, built):
        from cunjing.fieldwork.models import HouseholdVisit, WorkLog

        assert not HouseholdVisit.objects.filter(bureau=built.bureau).exists()
        assert not WorkLog.objects.filter(bureau=built.bureau).exists()
        assert User.objects.filter(bureau=built.bureau).count() == len(builder.DEMO_USERNAMES)

    def test_same_seed_builds_the_same_county(self, db, built):
        # The first build was flushed by ``--reset`` and built again from the same seed.
        assert built.first_digest == built.second_digest

    def test_existing_demo_needs_reset(self, db, built):
        with pytest.raises(CommandError):
            call_command("demo", stdout=io.StringIO())
        out = io.StringIO()
        call_command("demo", "--if-empty", stdout=out)
        assert "舞钢市公安局" in out.getvalue()
        assert Bureau.objects.count() == 1


# --- The plan alone (no database) ----------------------------------------------------------


def test_plan_is_deterministic_per_seed():
    first, again, other = builder.make_plan(2014), builder.make_plan(2014), builder.make_plan(7)
    assert first.digest() == again.digest()
    assert first == again
    assert other.digest() != first.digest()
    assert [o.name for o in other.officers] != [o.name for o in first.officers]
    # the facts are the same whatever the seed; only generated details differ
    assert [a.name for a in other.areas] == [a.name for a in first.areas]


def test_plan_matches_the_source_figures():
    plan = builder.make_plan()
    kinds = [u.kind for u in plan.units]
    assert kinds.count(UnitKind.OFFICE) == 27
    assert kinds.count(UnitKind.WORKSTATION) == 190
    assert len(plan.officers) == 217
    assert len({o.name for o in plan.officers}) == 217
    villages = [a for a in plan.areas if a.kind == AreaKind.VILLAGE]
    assert len(villages) == 191 and len({a.name for a in villages}) == 191
    served = [c for u in plan.units if u.kind == UnitKind.WORKSTATION for c in u.serves]
    assert sorted(served) == sorted(a.code for a in villages)
    leads = [code for o in plan.officers for code, lead in o.beats if lead]
    assert len(leads) == len(set(leads)) == 217


# --- Flags on a database that is not the demo's -------------------------------------------


def other_bureau() -> Bureau:
    return org.bureau_create(actor=SYSTEM, name="测试县公安局", code="410499")


def test_if_empty_does_nothing_on_a_non_empty_database(db):
    other_bureau()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "测试县公安局" in out.getvalue()
    assert not Bureau.objects.filter(code=DEMO_CODE).exists()
    assert Unit.objects.count() == 1 and not Area.objects.exists()


def test_reset_refuses_when_another_bureau_exists(db):
    other_bureau()
    with pytest.raises(CommandError, match="测试县公安局"):
        call_command("demo", "--reset", stdout=io.StringIO())
    assert list(Bureau.objects.values_list("code", flat=True)) == ["410499"]


def test_build_refuses_a_non_empty_database_without_reset(db):
    other_bureau()
    with pytest.raises(CommandError, match="测试县公安局"):
        call_command("demo", stdout=io.StringIO())
    assert not Bureau.objects.filter(code=DEMO_CODE).exists()


def test_reset_and_if_empty_exclude_each_other(db):
    with pytest.raises(CommandError):
        call_command("demo", "--reset", "--if-empty", stdout=io.StringIO())


def test_logins_without_a_demo(db):
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert out.getvalue().strip()
    assert not Bureau.objects.exists()


# --- The demo password -----------------------------------------------------------------


def test_password_is_generated_once_kept_private_and_reused(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(builder.PASSWORD_ENV, raising=False)
    settings.DEMO_PASSWORD_FILE = tmp_path / "var" / "demo_password"
    assert builder.demo_password(create=False) == (None, str(settings.DEMO_PASSWORD_FILE))
    password, source = builder.demo_password()
    assert source == str(settings.DEMO_PASSWORD_FILE)
    assert stat.S_IMODE(os.stat(settings.DEMO_PASSWORD_FILE).st_mode) == 0o600
    password_validation.validate_password(password)
    assert builder.demo_password() == (password, source)
    assert builder.demo_password(create=False) == (password, source)
    monkeypatch.setenv(builder.PASSWORD_ENV, "Env-pass-9876")
    assert builder.demo_password() == ("Env-pass-9876", builder.PASSWORD_ENV)


def test_weak_password_from_the_environment_is_refused(db, monkeypatch):
    monkeypatch.setenv(builder.PASSWORD_ENV, "short")
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    assert not Bureau.objects.exists()
