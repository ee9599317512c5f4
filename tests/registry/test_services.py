"""Registry writes: validation with field errors in Chinese, scope before role, audit with
masked personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cunjing.core.models import AuditEvent
from cunjing.org.models import Area
from cunjing.registry import services
from cunjing.registry.models import Dwelling, Resident, id_tail_key
from tests.api import zh
from tests.registry.data import OWN_ID, OWN_PHONE, bad_check_digit, id_number


def errors_of(call) -> dict[str, list[str]]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def new_resident(county, registry, **fields):
    values = {"name": "赵六", "household_role": "spouse", **fields}
    return services.resident_create(
        actor=county.user("beat"), dwelling=registry.dwellings["own"], **values
    )


# --- Validation ------------------------------------------------------------------------------


def test_a_bad_check_digit_is_a_field_error_in_chinese(county, registry):
    errors = errors_of(lambda: new_resident(county, registry, id_number=bad_check_digit(OWN_ID)))
    assert errors == {"id_number": [zh("Enter a valid resident ID number.")]}


@pytest.mark.parametrize("birth", ["19801301", "19800230", "29990101"])
def test_an_impossible_or_future_birth_date_is_refused(county, registry, birth):
    errors = errors_of(lambda: new_resident(county, registry, id_number=id_number(birth, "777")))
    assert errors == {"id_number": [zh("Enter a valid resident ID number.")]}


def test_an_unknown_region_code_is_refused(county, registry):
    number = id_number("19800101", "777", region="999999")
    errors = errors_of(lambda: new_resident(county, registry, id_number=number))
    assert list(errors) == ["id_number"]


@pytest.mark.parametrize("phone", ["12345", "1390375123", "abc", "+1 202 555 01"])
def test_a_bad_phone_is_a_field_error_in_chinese(county, registry, phone):
    errors = errors_of(lambda: new_resident(county, registry, phone=phone))
    assert errors == {"phone": [zh("Enter a valid phone number.")]}


def test_nothing_is_saved_when_refused(county, registry):
    before = (Resident.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError):
        new_resident(county, registry, phone="123")
    assert (Resident.objects.count(), AuditEvent.objects.count()) == before


def test_a_child_may_have_no_id_number_and_the_number_is_normalised(county, registry):
    child = new_resident(county, registry, household_role="child", id_number="  ")
    assert child.id_number == "" and child.id_tail_key == ""
    number = id_number("20100101", "888")
    lower = number[:-1] + number[-1].lower()
    adult = new_resident(
        county, registry, name="钱七", id_number=f" {lower} ", phone="139 0375 9999"
    )
    assert adult.id_number == number.upper()
    assert adult.id_tail_key == number[-6:][::-1]
    assert adult.phone == "+8613903759999"
    assert adult.name_initials == "qq"


def test_an_id_number_is_registered_once_per_bureau(county, registry):
    errors = errors_of(lambda: new_resident(county, registry, id_number=OWN_ID))
    assert list(errors) == ["id_number"]


def test_moving_out_in_the_future_is_refused(county, registry):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    errors = errors_of(lambda: new_resident(county, registry, moved_out_on=tomorrow))
    assert list(errors) == ["moved_out_on"]


def test_an_address_is_registered_once_and_its_text_is_derived(county, registry):
    beat = county.user("beat")
    address = services.address_create(
        actor=beat, area=county.areas["own"], road=" 建设路 ", number="2号", room="101室"
    )
    assert address.full_text == "瓦房沟村建设路2号101室"
    assert address.pinyin_initials == "jsl"
    errors = errors_of(
        lambda: services.address_create(
            actor=beat, area=county.areas["own"], road="建设路", number="1号"
        )
    )
    assert list(errors) == ["number"]


@pytest.mark.parametrize(("lat", "lon", "field"), [(91, 113, "latitude"), (33, 181, "longitude")])
def test_coordinates_are_checked(county, lat, lon, field):
    errors = errors_of(
        lambda: services.address_create(
            actor=county.user("beat"),
            area=county.areas["own"],
            road="新路",
            number="5号",
            latitude=lat,
            longitude=lon,
        )
    )
    assert list(errors) == [field]


def test_an_address_must_be_in_a_village_or_community(county):
    errors = errors_of(
        lambda: services.address_create(
            actor=county.user("station_leader"),
            area=county.areas["township_a"],
            road="乡道",
            number="1号",
        )
    )
    assert errors == {"area": [zh("Choose a village or community.")]}


def test_the_unified_social_credit_code_is_checked(county, registry):
    def make(code):
        return services.establishment_create(
            actor=county.user("beat"),
            address=registry.addresses["own"],
            name="某公司",
            kind="enterprise",
            uscc=code,
        )

    assert list(errors_of(lambda: make("91110000600037341X"))) == ["uscc"]
    assert make("91110000600037341l").uscc == "91110000600037341L"


# --- Scope and role -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sibling", "other", "aide", "commander", "sysadmin"])
def test_who_may_not_write_in_the_village(county, registry, persona):
    expected = Area.DoesNotExist if persona in ("sibling", "other") else PermissionDenied
    with pytest.raises(expected):
        services.address_create(
            actor=county.user(persona), area=county.areas["own"], road="路", number="9号"
        )
    expected = Dwelling.DoesNotExist if persona in ("sibling", "other") else PermissionDenied
    with pytest.raises(expected):
        services.resident_create(
            actor=county.user(persona),
            dwelling=registry.dwellings["own"],
            name="某人",
            household_role="other",
        )


@pytest.mark.parametrize("persona", ["beat", "office_leader", "station_leader"])
def test_who_may_write_in_the_village(county, persona):
    address = services.address_create(
        actor=county.user(persona), area=county.areas["own"], road="路", number="9号"
    )
    assert address.area == county.areas["own"]


def test_an_update_outside_scope_is_not_found(county, registry):
    with pytest.raises(Resident.DoesNotExist):
        services.resident_update(
            actor=county.user("sibling"), resident=registry.residents["own"], name="改名"
        )


# --- Audit ------------------------------------------------------------------------------------


def test_the_audit_trail_holds_masked_personal_data_only(county, registry):
    resident = new_resident(
        county,
        registry,
        name="孙八",
        id_number=id_number("19900101", "246"),
        phone=OWN_PHONE[:-1] + "0",
    )
    event = AuditEvent.objects.get(action="registry.resident.create", object_id=str(resident.pk))
    assert event.after["id_number"]["masked"] == f"410481********{resident.id_number[-4:]}"
    assert event.after["phone"]["masked"] == "139****1230"
    assert "id_tail_key" not in event.after
    assert resident.id_number not in str(event.after)
    assert event.actor == county.user("beat")


def test_an_update_audits_the_changed_fields_masked(county, registry):
    resident = registry.residents["own_child"]
    number = id_number("20150601", "135")
    services.resident_update(actor=county.user("beat"), resident=resident, id_number=number)
    event = AuditEvent.objects.get(action="registry.resident.update")
    assert event.before == {"id_number": ""}
    assert event.after["id_number"]["masked"] == f"410481********{number[-4:]}"
    assert set(event.after) == {"id_number"}  # the tail search key stays out of the trail
    resident.refresh_from_db()
    assert resident.id_tail_key == id_tail_key(number)
    # Nothing changed: no event.
    services.resident_update(actor=county.user("beat"), resident=resident, name=resident.name)
    assert AuditEvent.objects.filter(action="registry.resident.update").count() == 1


def test_establishment_contact_phone_is_masked_in_the_audit(county, registry):
    event = AuditEvent.objects.get(
        action="registry.establishment.create",
        object_id=str(registry.establishments["own"].pk),
    )
    assert event.after["contact_phone"]["masked"] == "139****1111"
