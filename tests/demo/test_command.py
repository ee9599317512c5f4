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
from django.core.management import call_command
from django.core.management.base import CommandError

from cunjing.core.roles import SYSTEM
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
