"""The organisation's write rules: tree kinds, codes, coverage kinds, beats and their history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from cunjing.org.models import Beat, Unit


def errors(exc_info) -> dict:
    return exc_info.value.message_dict


@pytest.mark.parametrize(
    ("parent", "kind", "ok"),
    [
        ("bureau", "station", True),
        ("bureau", "office", False),
        ("bureau", "workstation", False),
        ("station_a", "office", True),
        ("station_a", "workstation", False),
        ("office_a", "workstation", True),
        ("office_a", "station", False),
        ("ws_own", "workstation", False),
        ("station_a", "bureau", False),
        ("station_a", "nonsense", False),
    ],
)
def test_unit_parent_kind_is_validated(county, parent, kind, ok):
    call = lambda: org.unit_create(  # noqa: E731
        actor=SYSTEM, parent=county.units[parent], kind=kind, name="新单位"
    )
    if ok:
        unit = call()
        assert unit.get_parent().pk == county.units[parent].pk
        assert unit.bureau_id == county.bureau.pk
    else:
        with pytest.raises(ValidationError) as err:
            call()
        assert set(errors(err)) & {"parent", "kind"}


def test_unit_code_unique_per_bureau(county):
    org.unit_create(
        actor=SYSTEM, parent=county.units["bureau"], kind="station", name="丙", code="S1"
    )
    with pytest.raises(ValidationError) as err:
        org.unit_create(
            actor=SYSTEM, parent=county.units["bureau"], kind="station", name="丁", code="S1"
        )
    assert "code" in errors(err)


def test_unit_phone_is_validated_and_normalised(county):
    unit = org.unit_create(
        actor=SYSTEM,
        parent=county.units["bureau"],
        kind="station",
        name="丙",
        phone="0375 812 3457",
    )
    assert unit.phone == "+863758123457"
    with pytest.raises(ValidationError) as err:
        org.unit_create(
            actor=SYSTEM, parent=county.units["bureau"], kind="station", name="丁", phone="12345"
        )
    assert "phone" in errors(err)


@pytest.mark.parametrize(
    ("parent", "kind", "ok"),
    [
        ("county", "township", True),
        ("county", "town", True),
        ("county", "subdistrict", True),
        ("county", "village", False),
        ("township_a", "village", True),
        ("township_a", "community", True),
        ("township_a", "town", False),
        ("own", "village", False),
        (None, "village", False),
        (None, "county", False),  # the bureau already has its county
    ],
)
def test_area_parent_kind_is_validated(county, parent, kind, ok):
    call = lambda: org.area_create(  # noqa: E731
        actor=SYSTEM,
        bureau=county.bureau,
        parent=county.areas[parent] if parent else None,
        kind=kind,
        name="新区划",
        division_code="410499300301",
    )
    if ok:
        assert call().kind == kind
    else:
        with pytest.raises(ValidationError) as err:
            call()
        assert set(errors(err)) & {"parent", "kind"}


@pytest.mark.parametrize("code", ["41049930030", "4104993003011", "41049930030a", "", "四一"])
def test_division_code_must_be_12_digits(county, code):
    with pytest.raises(ValidationError) as err:
        org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=county.areas["township_a"],
            kind="village",
            name="新村",
            division_code=code,
        )
    assert "division_code" in errors(err)


def test_division_code_unique_within_bureau_not_across(county):
    code = county.areas["own"].division_code
    with pytest.raises(ValidationError) as err:
        org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=county.areas["township_a"],
            kind="village",
            name="重复村",
            division_code=code,
        )
    assert "division_code" in errors(err)
    other = org.bureau_create(actor=SYSTEM, name="另一县公安局", code="410500")
    root = org.area_create(
        actor=SYSTEM,
        bureau=other,
        parent=None,
        kind="county",
        name="另一县",
        division_code="410500000000",
    )
    township = org.area_create(
        actor=SYSTEM,
        bureau=other,
        parent=root,
        kind="township",
        name="丙乡",
        division_code="410500200000",
    )
    # The same code in another bureau is a different row (the constraint is per bureau).
    org.area_create(
        actor=SYSTEM,
        bureau=other,
        parent=township,
        kind="village",
        name="瓦房沟村",
        division_code=code,
    )


def test_area_pinyin_follows_the_name(county):
    area = org.area_update(actor=SYSTEM, area=county.areas["own"], name="石门郭村")
    assert (area.pinyin_initials, area.pinyin) == ("smgc", "shimenguocun")


@pytest.mark.parametrize(
    ("unit", "area", "ok"),
    [
        ("ws_own", "sibling", True),  # one workstation may serve two villages
        ("office_a", "sibling", True),
        ("ws_own", "township_a", False),
        ("station_a", "own", False),
        ("station_a", "township_b", True),
        ("bureau", "own", False),
        ("ws_own", "own", False),  # already
    ],
)
def test_coverage_kinds(county, unit, area, ok):
    call = lambda: org.coverage_create(  # noqa: E731
        actor=SYSTEM, unit=county.units[unit], area=county.areas[area]
    )
    if ok:
        call()
    else:
        with pytest.raises(ValidationError) as err:
            call()
        assert "area" in errors(err)


def test_beat_history_and_lead_handover(county):
    area = county.areas["own"]
    newcomer = org.officer_create(
        actor=SYSTEM,
        unit=county.units["ws_own"],
        name="孙磊",
        badge_number="041099",
        phone="13803751099",
    )
    day = dt.date(2020, 3, 1)
    org.beat_assign(actor=SYSTEM, officer=newcomer, area=area, start_date=day, is_lead=True)
    beats = Beat.objects.filter(area=area).order_by("id")
    old_lead, reopened, new = list(beats)
    assert (old_lead.end_date, old_lead.is_lead) == (day, True)
    assert (reopened.officer_id, reopened.is_lead, reopened.end_date) == (
        county.officers["own"].pk,
        False,
        None,
    )
    assert (new.officer_id, new.is_lead) == (newcomer.pk, True)
    active = Beat.objects.active(on=dt.date(2021, 1, 1)).filter(area=area)
    assert sorted(active.values_list("officer__name", flat=True)) == ["孙磊", "张伟"]
    # History: on a day before the handover the old lead alone was on the beat.
    before = Beat.objects.active(on=dt.date(2019, 1, 1)).filter(area=area)
    assert list(before.values_list("officer__name", "is_lead")) == [("张伟", True)]


def test_beat_end_keeps_history_and_refuses_bad_dates(county):
    beat = Beat.objects.get(area=county.areas["sibling"], end_date__isnull=True)
    with pytest.raises(ValidationError) as err:
        org.beat_end(actor=SYSTEM, beat=beat, end_date=beat.start_date)
    assert "end_date" in errors(err)
    org.beat_end(actor=SYSTEM, beat=beat, end_date=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError):
        org.beat_end(actor=SYSTEM, beat=beat, end_date=dt.date(2020, 2, 1))
    assert Beat.objects.filter(pk=beat.pk).exists()


def test_beat_only_for_villages_and_communities(county):
    with pytest.raises(ValidationError) as err:
        org.beat_assign(
            actor=SYSTEM, officer=county.officers["own"], area=county.areas["township_a"]
        )
    assert "area" in errors(err)


def test_one_open_lead_per_area_is_a_database_constraint(county):
    beat = Beat.objects.get(area=county.areas["own"], is_lead=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Beat.objects.create(
            bureau=county.bureau,
            officer=county.officers["sibling"],
            area=beat.area,
            start_date=dt.date(2020, 1, 1),
            is_lead=True,
        )


def test_station_leader_assigns_beats_only_in_scope(county):
    leader = county.user("station_leader")
    org.beat_assign(actor=leader, officer=county.officers["sibling"], area=county.areas["own"])
    with pytest.raises(PermissionDenied):
        org.beat_assign(actor=leader, officer=county.officers["own"], area=county.areas["other"])
    with pytest.raises(PermissionDenied):
        org.beat_assign(
            actor=county.user("beat"), officer=county.officers["own"], area=county.areas["own"]
        )


def test_aide_subtype_matches_kind(county):
    area = county.areas["own"]
    with pytest.raises(ValidationError) as err:
        org.aide_create(
            actor=SYSTEM,
            area=area,
            name="甲",
            kind="patroller",
            phone="13903751010",
            subtype="resident_cadre",
        )
    assert "subtype" in errors(err)
    with pytest.raises(ValidationError) as err:
        org.aide_create(
            actor=SYSTEM, area=area, name="乙", kind="security_member", phone="13903751011"
        )
    assert "subtype" in errors(err)
    aide = org.aide_create(
        actor=SYSTEM,
        area=area,
        name="丙",
        kind="security_member",
        phone="13903751012",
        subtype="graduate_official",
    )
    assert aide.get_subtype_display()


def test_every_service_write_is_audited(county):
    n = AuditEvent.objects.count()
    unit = org.unit_create(actor=SYSTEM, parent=county.units["bureau"], kind="station", name="丙")
    org.unit_update(actor=SYSTEM, unit=unit, name="丙派出所", address="丙路1号")
    events = list(AuditEvent.objects.order_by("id")[n:])
    assert [e.action for e in events] == ["unit.create", "unit.update"]
    assert events[1].before == {"name": "丙", "address": ""}
    assert events[1].after == {"name": "丙派出所", "address": "丙路1号"}
    assert Unit.objects.get(pk=unit.pk).name == "丙派出所"
