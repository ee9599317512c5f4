"""``manage.py demo`` without building the demo county: its plan (no database), its flags on a
database that holds another bureau or none, and its password. The built county itself — its
shape, its accounts, ``--reset`` and the determinism of a build — is checked on the full demo,
built once, in ``tests/demo/full/``."""

from __future__ import annotations

import io
import os
import stat

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core.management import call_command
from django.core.management.base import CommandError

from cunjing.accounts.services import ROLE_UNIT_KINDS
from cunjing.core.roles import SYSTEM, Role
from cunjing.demo import accounts as demo_accounts
from cunjing.demo import builder
from cunjing.org import services as org
from cunjing.org.models import Area, AreaKind, Bureau, Unit, UnitKind

DEMO_CODE = builder.DEMO_BUREAU_CODE


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
    beat_officers = [o for o in plan.officers if o.beats]  # the others lead units
    assert len(beat_officers) == 217
    assert len({o.name for o in plan.officers}) == len(plan.officers) == 217 + 14 + 27 + 2
    villages = [a for a in plan.areas if a.kind == AreaKind.VILLAGE]
    assert len(villages) == 191 and len({a.name for a in villages}) == 191
    served = [c for u in plan.units if u.kind == UnitKind.WORKSTATION for c in u.serves]
    assert sorted(served) == sorted(a.code for a in villages)
    leads = [code for o in plan.officers for code, lead in o.beats if lead]
    assert len(leads) == len(set(leads)) == 217


def test_plan_gives_every_officer_and_leader_an_account_and_one_stations_aides():
    plan = builder.make_plan()
    kinds = {u.key: u.kind for u in (plan.bureau_unit, *plan.units)}
    assert len({u.username for u in plan.users}) == len(plan.users)
    by_badge = {u.officer_badge: u for u in plan.users if u.officer_badge}
    assert len(by_badge) == len(plan.officers) == 217 + 14 + 27 + 2
    for o in plan.officers:
        user = by_badge[o.badge_number]
        assert user.username in builder.DEMO_USERNAMES or user.username == o.badge_number
        assert (user.unit_key, user.full_name) == (o.unit_key, o.name)
        assert kinds[o.unit_key] in ROLE_UNIT_KINDS[user.role]
    personas = {u.username: u for u in plan.users if u.username in builder.DEMO_USERNAMES}
    assert list(personas) == list(builder.DEMO_USERNAMES)  # first, in the logins' order
    for username in ("commander", "inspector", "station-leader", "office-leader", "beat-officer"):
        assert personas[username].officer_badge, username
    assert personas["commander"].full_name == "王中孚"
    aides = [u for u in plan.users if u.role == Role.AIDE]
    station = f"station:{builder.AIDE_ACCOUNTS_STATION}"
    parents = {u.key: u.parent_key for u in plan.units}
    for user in aides:
        assert kinds[user.unit_key] in ("workstation", "office")
        unit_key = user.unit_key
        while kinds[unit_key] != "station":
            unit_key = parents[unit_key]
        assert unit_key == station
        assert plan.aides[user.aide_index].name == user.full_name
    assert len(aides) == 45
    assert "aide-205221-1" in {u.username for u in aides}  # 瓦房沟村's patroller


def test_account_role_follows_the_post():
    def officer(beats=(), name="某某", title=""):
        return builder.OfficerSpec(name, "410999", "", "k", title, beats)

    on_beat = officer(beats=(("410481205221", True),))
    assert builder.account_role(on_beat, "workstation") == Role.BEAT_OFFICER
    assert builder.account_role(on_beat, "office") == Role.BEAT_OFFICER
    assert builder.account_role(officer(), "office") == Role.OFFICE_LEADER
    assert builder.account_role(officer(), "station") == Role.STATION_LEADER
    for name, title, role in builder.BUREAU_LEADERS:
        assert builder.account_role(officer(name=name, title=title), "bureau") == role
    with pytest.raises(ValueError):  # a bureau officer the plan gives no bureau role
        builder.account_role(officer(title="科员"), "bureau")
    with pytest.raises(ValueError):  # a beat officer's account cannot sit on a station
        builder.account_role(on_beat, "station")


def test_the_demo_password_is_hashed_once_for_every_account(settings):
    """Inside ``shared_password_hash`` the demo password always gets the one argon2 hash made
    when the block opened, which checks as usual; any other password, and the demo password
    after the block, get their own hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with demo_accounts.shared_password_hash("Demo-pass-2014") as encoded:
        assert make_password("Demo-pass-2014") == make_password("Demo-pass-2014") == encoded
        other = make_password("Other-pass-2014")
    assert identify_hasher(encoded).algorithm == identify_hasher(other).algorithm == "argon2"
    assert check_password("Demo-pass-2014", encoded)
    assert check_password("Other-pass-2014", other) and other != encoded
    assert make_password("Demo-pass-2014") != encoded
    assert demo_accounts.SharedHashHasher._shared == {}


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
