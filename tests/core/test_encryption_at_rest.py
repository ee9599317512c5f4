"""Personal data at rest: a dump of the whole database holds no ID number and no phone of a
resident, a floating resident, a volunteer, an establishment's contact or a matter's reporter
in clear, while the normal read path (selectors, the API masked, the audited reveal) still
gives them; a stored ciphertext does not decrypt in another column, nor once altered.

The rows are committed (``transaction=True``) so that ``pg_dump``, another session, sees them.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from cunjing.core import crypto, reveal
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import CorrectionRequest, FloatingResident, Volunteer
from cunjing.matters import services as matters
from cunjing.matters.models import Matter
from cunjing.registry import selectors as registry_selectors
from cunjing.registry import services as registry
from cunjing.registry.models import Establishment, Resident
from tests.api import api_as
from tests.registry.data import id_number

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2014, 10, 20)
RESIDENT_ID = id_number("19850315", "427")
RESIDENT_X_ID = "41048119760412103X"  # check character X
FLOATING_ID = id_number("19920202", "318")
CORRECTED_ID = id_number("19920202", "336")
PHONES = {
    "resident": "13903757771",
    "contact": "13903757772",
    "floating": "13903757773",
    "volunteer": "13903757774",
    "reporter": "13903757775",
    "corrected": "13903757776",
}
ID_NUMBERS = [RESIDENT_ID, RESIDENT_X_ID, FLOATING_ID, CORRECTED_ID]


def e164(national: str) -> str:
    return "+86" + national


def dump_database() -> str:
    """Everything the database holds, as text: SQLite's SQL dump, or ``pg_dump``'s plain one."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    conf = connection.settings_dict
    command = ["/usr/bin/pg_dump", "--no-owner", "--dbname", conf["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if conf.get(key):
            command += [flag, str(conf[key])]
    env = {**os.environ, "PGPASSWORD": conf.get("PASSWORD") or ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603
    return done.stdout


def personal_data(county) -> dict:
    """Every kind of row holding an ID number or a phone, written through the services."""
    address = registry.address_create(
        actor=SYSTEM, area=county.areas["own"], road="建设路", number="9号"
    )
    dwelling = registry.dwelling_create(actor=SYSTEM, address=address, kind="owner_occupied")
    resident = registry.resident_create(
        actor=SYSTEM,
        dwelling=dwelling,
        name="赵明",
        household_role="head",
        id_number=RESIDENT_ID,
        phone=PHONES["resident"],
    )
    resident_x = registry.resident_create(
        actor=SYSTEM,
        dwelling=dwelling,
        name="赵丽",
        household_role="spouse",
        id_number=RESIDENT_X_ID.lower(),  # typed with a small x: stored upper-case
    )
    establishment = registry.establishment_create(
        actor=SYSTEM,
        address=address,
        name="建设路小卖部",
        kind="shop",
        contact_name="赵明",
        contact_phone=PHONES["contact"],
    )
    beat = county.user("beat")
    floating = fieldwork.floating_resident_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        name="王小明",
        id_number=FLOATING_ID,
        phone=PHONES["floating"],
        origin="河南省南阳市",
        arrived_on=DAY,
        residence="瓦房沟村3组",
    )
    volunteer = fieldwork.volunteer_create(
        actor=beat,
        area=county.areas["own"],
        occurred_on=DAY,
        client_uuid=uuid.uuid4(),
        name="刘红",
        phone=PHONES["volunteer"],
    )
    matter = matters.matter_create(
        actor=beat,
        area=county.areas["own"],
        client_uuid=uuid.uuid4(),
        kind="lead",
        description="有人在村口收购来路不明的电动车",
        reporter_name="李大爷",
        reporter_phone=PHONES["reporter"],
    )
    # A correction request after the window, asking for a new ID number and phone.
    FloatingResident.objects.filter(pk=floating.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    floating.refresh_from_db()
    request = fieldwork.correction_request(
        actor=beat,
        record=floating,
        action="correct",
        changes={"id_number": CORRECTED_ID, "phone": PHONES["corrected"]},
        reason="身份证号和电话登记错误",
    )
    return {
        "resident": resident,
        "resident_x": resident_x,
        "establishment": establishment,
        "floating": floating,
        "volunteer": volunteer,
        "matter": matter,
        "request": request,
    }


def test_a_database_dump_holds_no_id_number_or_phone_in_clear(county):
    rows = personal_data(county)
    beat = county.user("beat")

    # The normal read path gives the clear values to whoever may read them ...
    resident = registry_selectors.resident_get(beat, rows["resident"].pk)
    assert (resident.id_number, resident.phone) == (RESIDENT_ID, e164(PHONES["resident"]))
    assert registry_selectors.resident_get(beat, rows["resident_x"].pk).id_number == RESIDENT_X_ID
    establishment = registry_selectors.establishment_get(beat, rows["establishment"].pk)
    assert establishment.contact_phone == e164(PHONES["contact"])
    floating = FloatingResident.objects.visible_to(beat).get(pk=rows["floating"].pk)
    assert (floating.id_number, floating.phone) == (FLOATING_ID, e164(PHONES["floating"]))
    volunteer = Volunteer.objects.visible_to(beat).get(pk=rows["volunteer"].pk)
    assert volunteer.phone == e164(PHONES["volunteer"])
    matter = Matter.objects.visible_to(beat).get(pk=rows["matter"].pk)
    assert matter.reporter_phone == e164(PHONES["reporter"])
    request = CorrectionRequest.objects.visible_to(beat).get(pk=rows["request"].pk)
    assert request.changes == {"id_number": CORRECTED_ID, "phone": e164(PHONES["corrected"])}
    # ... masked where they are shown masked ...
    shown = api_as(beat).get(f"/api/registry/residents/{resident.pk}").json()
    assert shown["id_number"] == mask_id_number(RESIDENT_ID)
    assert shown["phone"] == mask_phone(e164(PHONES["resident"]))
    shown = api_as(beat).get(f"/api/matters/{matter.pk}").json()
    assert shown["reporter_phone"] == mask_phone(e164(PHONES["reporter"]))
    # ... and in clear through the audited reveal.
    for kind, pk, field, clear in [
        ("resident", resident.pk, "id_number", RESIDENT_ID),
        ("resident", resident.pk, "phone", PHONES["resident"]),
        ("establishment", establishment.pk, "phone", PHONES["contact"]),
        ("matter", matter.pk, "phone", PHONES["reporter"]),
    ]:
        got = reveal.reveal(actor=beat, kind=kind, pk=pk, field=field, reason="核查身份信息")
        assert got == clear

    # An exact search by the whole ID number or phone finds them, through the blind index.
    found = registry_selectors.resident_list(beat, q=RESIDENT_ID)
    assert [r.pk for r in found] == [resident.pk]
    found = registry_selectors.resident_list(beat, q=e164(PHONES["resident"]))
    assert [r.pk for r in found] == [resident.pk]

    dump = dump_database()
    assert "registry_resident" in dump and "fieldwork_floatingresident" in dump
    assert crypto.VERSION + ":" in dump  # the ciphertexts are there
    assert "建设路小卖部" in dump and "赵明" in dump  # and the rows: clear what is not personal
    for number in ID_NUMBERS:
        assert number not in dump, number
        assert number[:17] not in dump, number  # its digits, whatever the check character
    for phone in PHONES.values():
        assert phone not in dump, phone
        assert e164(phone) not in dump, phone
        assert f"{phone[:3]}-{phone[3:7]}-{phone[7:]}" not in dump, phone
    # The stored form is the ciphertext, under the current key.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone FROM registry_resident WHERE id = %s", [resident.pk]
        )
        stored = cursor.fetchone()
    assert all(crypto.key_id_of(value) == crypto.keyring().current for value in stored)


def test_a_ciphertext_does_not_decrypt_in_another_column_nor_once_altered(county):
    rows = personal_data(county)
    resident, floating = rows["resident"], rows["floating"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone FROM registry_resident WHERE id = %s", [resident.pk]
        )
        stored_id, stored_phone = cursor.fetchone()
    # Moved into another table's ID number column: refused.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fieldwork_floatingresident SET id_number = %s WHERE id = %s",
            [stored_id, floating.pk],
        )
    with pytest.raises(crypto.DecryptionError):
        FloatingResident.objects.get(pk=floating.pk)
    # Moved into the same row's phone column: refused too (the column is in the tag).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_resident SET phone = %s WHERE id = %s", [stored_id, resident.pk]
        )
    with pytest.raises(crypto.DecryptionError):
        Resident.objects.get(pk=resident.pk)
    # One character of the sealed bytes changed: refused.
    head, _sep, body = stored_phone.rpartition(":")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_resident SET phone = %s WHERE id = %s",
            [f"{head}:{flipped}", resident.pk],
        )
    with pytest.raises(crypto.DecryptionError):
        Resident.objects.get(pk=resident.pk)
    # Back in place, it reads again.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_resident SET phone = %s WHERE id = %s", [stored_phone, resident.pk]
        )
    assert Resident.objects.get(pk=resident.pk).phone == e164(PHONES["resident"])
    assert Establishment.objects.get(pk=rows["establishment"].pk).contact_phone
