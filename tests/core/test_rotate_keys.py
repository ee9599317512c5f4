"""``manage.py rotate_keys``: every encrypted value moves onto the current key, in batches, each
its own transaction; an interrupted run is finished by running it again; ``--dry-run`` writes
nothing."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import translation

from cunjing.core import crypto
from cunjing.core.management.commands import rotate_keys
from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services as fieldwork
from cunjing.fieldwork.models import FloatingResident, Volunteer
from cunjing.matters.models import Matter
from cunjing.registry import services as registry
from cunjing.registry.models import Establishment, Resident
from tests.matters import new_matter
from tests.registry.data import id_number

pytestmark = pytest.mark.django_db

K1 = [("k1", bytes(range(100, 132)))]
K2 = [("k2", bytes(range(150, 182)))]
RESIDENTS = 7  # with batches of 2: four batches


def stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def key_ids(table: str, column: str) -> set[str | None]:
    return {crypto.key_id_of(value) for value in stored(table, column)}


def clear_values() -> dict:
    return {
        "residents": sorted(Resident.objects.values_list("pk", "id_number", "phone")),
        "establishments": sorted(Establishment.objects.values_list("pk", "contact_phone")),
        "floating": sorted(FloatingResident.objects.values_list("pk", "id_number", "phone")),
        "volunteers": sorted(Volunteer.objects.values_list("pk", "phone")),
        "matters": sorted(Matter.objects.values_list("pk", "reporter_phone")),
        "indexes": sorted(Resident.objects.values_list("pk", "id_number_index", "phone_index")),
    }


@pytest.fixture
def under_k1(county):
    """Rows of every kind, written under k1 only."""
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        address = registry.address_create(
            actor=SYSTEM, area=county.areas["own"], road="建设路", number="1号"
        )
        dwelling = registry.dwelling_create(actor=SYSTEM, address=address, kind="owner_occupied")
        for n in range(RESIDENTS):
            registry.resident_create(
                actor=SYSTEM,
                dwelling=dwelling,
                name=f"张{n}",
                household_role="other",
                id_number=id_number("19800101", f"{300 + n}"),
                phone=f"1390375{1000 + n}" if n % 3 else "",
            )
        registry.establishment_create(
            actor=SYSTEM,
            address=address,
            name="小卖部",
            kind="shop",
            contact_phone="13903759999",
        )
        fieldwork.floating_resident_create(
            actor=county.user("beat"),
            area=county.areas["own"],
            occurred_on=dt.date(2014, 10, 20),
            client_uuid=uuid.uuid4(),
            name="王小明",
            id_number=id_number("19920202", "318"),
            phone="13903751001",
            origin="河南省南阳市",
            arrived_on=dt.date(2014, 10, 20),
            residence="瓦房沟村3组",
        )
        fieldwork.volunteer_create(
            actor=county.user("beat"),
            area=county.areas["own"],
            occurred_on=dt.date(2014, 10, 20),
            client_uuid=uuid.uuid4(),
            name="刘红",
            phone="13903751002",
        )
        new_matter(county)
        assert key_ids("registry_resident", "id_number") == {"k1"}
        return clear_values()


def rotate(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


ENCRYPTED_COLUMNS = [
    ("registry_resident", "id_number"),
    ("registry_resident", "phone"),
    ("registry_establishment", "contact_phone"),
    ("fieldwork_floatingresident", "id_number"),
    ("fieldwork_floatingresident", "phone"),
    ("fieldwork_volunteer", "phone"),
    ("matters_matter", "reporter_phone"),
]


def test_every_value_moves_to_the_new_key_and_reads_the_same(under_k1):
    with override_settings(FIELD_ENCRYPTION_KEYS=K2 + K1):
        out = rotate("--batch-size", "2")
        assert "registry.resident: 7 of 7 rows re-encrypted under k2." in out
        assert "registry.resident: 4 read" in out  # progress, batch by batch
        for table, column in ENCRYPTED_COLUMNS:
            assert key_ids(table, column) == {"k2"}, (table, column)
        assert clear_values() == under_k1  # the blind indexes did not change either
        # A second run finds nothing left to do.
        assert "Done: 0 rows re-encrypted" in rotate("--batch-size", "2")
    with override_settings(FIELD_ENCRYPTION_KEYS=K2):  # the old key can go now
        assert clear_values() == under_k1


def test_an_interrupted_run_is_finished_by_running_it_again(under_k1, monkeypatch):
    write_batch = rotate_keys._write_batch
    calls = []

    def fails_after_one_batch_of_residents(model, names, pks):
        if model is Resident and calls:
            raise RuntimeError("the power went out")
        if model is Resident:
            calls.append(pks)
        return write_batch(model, names, pks)

    monkeypatch.setattr(rotate_keys, "_write_batch", fails_after_one_batch_of_residents)
    with override_settings(FIELD_ENCRYPTION_KEYS=K2 + K1):
        with pytest.raises(RuntimeError):
            rotate("--batch-size", "2")
        ids = [crypto.key_id_of(v) for v in stored("registry_resident", "id_number")]
        assert ids == ["k2", "k2", "k1", "k1", "k1", "k1", "k1"]  # one batch done, not the rest
        assert clear_values() == under_k1
        monkeypatch.setattr(rotate_keys, "_write_batch", write_batch)
        out = rotate("--batch-size", "2")
        assert "Done:" in out
        for table, column in ENCRYPTED_COLUMNS:
            assert key_ids(table, column) == {"k2"}, (table, column)
        assert clear_values() == under_k1


def test_a_dry_run_counts_and_writes_nothing(under_k1):
    before = stored("registry_resident", "id_number")
    with override_settings(FIELD_ENCRYPTION_KEYS=K2 + K1):
        out = rotate("--dry-run")
        assert "registry.resident: 7 of 7 rows re-encrypted under k2." in out
        assert "nothing was written" in out
    assert stored("registry_resident", "id_number") == before


def test_a_value_under_a_key_no_longer_configured_stops_the_run(under_k1):
    with override_settings(FIELD_ENCRYPTION_KEYS=K2), pytest.raises(CommandError):
        rotate("--batch-size", "2")
    with override_settings(FIELD_ENCRYPTION_KEYS=K2 + K1), pytest.raises(CommandError):
        rotate("--batch-size", "0")


def test_the_models_are_found_by_their_fields():
    labels = [m._meta.label_lower for m in rotate_keys.models_with_encrypted_fields()]
    assert labels == sorted(labels)
    assert set(labels) >= {
        "fieldwork.correctionrequest",
        "fieldwork.floatingresident",
        "fieldwork.volunteer",
        "matters.matter",
        "registry.establishment",
        "registry.resident",
    }
