"""The migrations that encrypted the ID numbers and phones already stored: back, they leave the
clear values (as before them); forward again, every value is encrypted and indexed, and reads
the same. On SQLite and PostgreSQL alike (``transaction=True``: migrations change the schema)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cunjing.core import crypto
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import CorrectionRequest, FloatingResident, Volunteer
from cunjing.matters.models import Matter
from cunjing.registry import selectors as registry_selectors
from cunjing.registry.models import Establishment, Resident
from tests.matters import new_matter
from tests.registry.data import OWN_ID, build_registry, id_number

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("registry", "0002_labels_of_village_and_full_name"),
    ("fieldwork", "0009_void_reason_db_default"),
    ("matters", "0002_labels_of_village_and_full_name"),
]
COLUMNS = [
    ("registry_resident", "id_number"),
    ("registry_resident", "phone"),
    ("registry_establishment", "contact_phone"),
    ("fieldwork_floatingresident", "id_number"),
    ("fieldwork_floatingresident", "phone"),
    ("fieldwork_volunteer", "phone"),
    ("matters_matter", "reporter_phone"),
    ("fieldwork_correctionrequest", "changes"),
]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def clear_values() -> dict:
    return {
        "residents": sorted(Resident.objects.values_list("pk", "id_number", "phone")),
        "establishments": sorted(Establishment.objects.values_list("pk", "contact_phone")),
        "floating": sorted(FloatingResident.objects.values_list("pk", "id_number", "phone")),
        "volunteers": sorted(Volunteer.objects.values_list("pk", "phone")),
        "matters": sorted(Matter.objects.values_list("pk", "reporter_phone")),
        "requests": [r.changes for r in CorrectionRequest.objects.order_by("pk")],
    }


def test_the_stored_values_are_encrypted_forward_and_decrypted_back(county):
    registry = build_registry(county)
    day = dt.date(2014, 10, 20)
    floating = fieldwork.floating_resident_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        occurred_on=day,
        client_uuid=uuid.uuid4(),
        name="王小明",
        id_number=id_number("19920202", "318"),
        phone="13903751001",
        origin="河南省南阳市",
        arrived_on=day,
        residence="瓦房沟村3组",
    )
    fieldwork.volunteer_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        occurred_on=day,
        client_uuid=uuid.uuid4(),
        name="刘红",
        phone="13903751002",
    )
    new_matter(county)
    FloatingResident.objects.filter(pk=floating.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    floating.refresh_from_db()
    fieldwork.correction_request(
        actor=county.user("beat"),
        record=floating,
        action="correct",
        changes={"phone": "13903751003"},
        reason="电话登记错误",
    )
    expected = clear_values()
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(BEFORE)
        # Back: the clear values, as the columns held them before.
        ids = [value for value in raw("registry_resident", "id_number") if value]
        assert OWN_ID in ids
        assert sorted(ids) == sorted(n for _pk, n, _phone in expected["residents"] if n)
        assert raw("registry_establishment", "contact_phone") == [
            p for _pk, p in expected["establishments"]
        ]
        assert raw("matters_matter", "reporter_phone") == ["+8613903750001"]
        changes = raw("fieldwork_correctionrequest", "changes")
        assert len(changes) == 1 and "+8613903751003" in str(changes[0])
        for table, column in COLUMNS:
            assert not any(crypto.is_ciphertext(value) for value in raw(table, column))
        migrate(leaves)
        # Forward: every value encrypted, indexed, and read back the same.
        for table, column in COLUMNS:
            values = [value for value in raw(table, column) if value]
            assert values and all(crypto.is_ciphertext(value) for value in values), table
        assert clear_values() == expected
        own = registry.residents["own"]
        assert Resident.objects.get(pk=own.pk).id_number_index == crypto.blind_index(
            crypto.ID_NUMBER, OWN_ID
        )
        found = registry_selectors.resident_list(county.user("beat"), q=OWN_ID)
        assert [r.pk for r in found] == [own.pk]
        assert Matter.objects.get().reporter_phone_index == crypto.blind_index(
            crypto.PHONE, "13903750001"
        )
    finally:
        migrate(leaves)
