"""The pieces of personal data at rest: the ciphertext (``core.crypto``), the keys and their
system check, the blind index, and the model fields (``core.fields``) that refuse a search of
the ciphertext and keep the index in step with the value."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.test import override_settings
from django.utils import translation

from cunjing.core import crypto
from cunjing.fieldwork.models import FloatingResident, Volunteer
from cunjing.matters.models import Matter
from cunjing.registry.models import Establishment, Resident
from tests.registry.data import OWN_ID, OWN_PHONE, id_number

ROOT = Path(__file__).resolve().parents[2]
K1 = bytes(range(100, 132))
K2 = bytes(range(150, 182))
INDEX = bytes(range(200, 232))
COLUMN = "registry.resident.id_number"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


# --- The ciphertext -------------------------------------------------------------------------------


def test_the_stored_form_names_its_key_and_reads_back():
    token = crypto.encrypt("410481198001015612", column=COLUMN)
    version, key_id, payload = token.split(":")
    assert (version, key_id) == ("v1", crypto.keyring().current)
    assert len(base64.b64decode(payload)) == 12 + 18 + 16  # nonce, the value, the tag
    assert crypto.decrypt(token, column=COLUMN) == "410481198001015612"
    assert len(token) <= crypto.ciphertext_length(18)
    # A new nonce every time: equal values are not equal ciphertexts.
    assert token != crypto.encrypt("410481198001015612", column=COLUMN)


def test_another_column_an_altered_value_or_an_unknown_key_do_not_decrypt():
    token = crypto.encrypt("+8613903751234", column="registry.resident.phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, column="registry.establishment.contact_phone")
    head, _sep, body = token.rpartition(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}:{base64.b64encode(bytes(raw)).decode()}", column=COLUMN)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token.replace(":t1:", ":zz:", 1), column="registry.resident.phone")
    for junk in ("", "13903751234", "v1:t1", "v1:t1:!!!", "v2:t1:AAAA"):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(junk, column=COLUMN)
    assert crypto.key_id_of("13903751234") is None


def test_a_value_under_an_old_key_reads_while_the_old_key_is_listed():
    with override_settings(FIELD_ENCRYPTION_KEYS=[("k1", K1)]):
        old = crypto.encrypt("+8613903751234", column=COLUMN)
    with override_settings(FIELD_ENCRYPTION_KEYS=[("k2", K2), ("k1", K1)]):
        assert crypto.keyring().current == "k2"
        assert crypto.decrypt(old, column=COLUMN) == "+8613903751234"
        assert crypto.key_id_of(crypto.encrypt("x", column=COLUMN)) == "k2"
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[("k2", K2)]),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.decrypt(old, column=COLUMN)


# --- The blind index ------------------------------------------------------------------------------


def test_the_blind_index_is_keyed_and_normalised():
    phone = crypto.blind_index(crypto.PHONE, "+8613903751234")
    assert len(phone) == 64 and int(phone, 16) >= 0
    assert crypto.blind_index(crypto.PHONE, "139 0375 1234") == phone
    assert crypto.blind_index(crypto.PHONE, "13903751234") == phone
    assert crypto.blind_index(crypto.PHONE, "13903751235") != phone
    number = "41048119760412103X"
    assert crypto.blind_index(crypto.ID_NUMBER, number.lower()) == crypto.blind_index(
        crypto.ID_NUMBER, f" {number} "
    )
    # The same digits as an ID number and as a phone are two different indexes.
    assert crypto.blind_index(crypto.ID_NUMBER, "13903751234") != crypto.blind_index(
        crypto.PHONE, "13903751234"
    )
    assert crypto.blind_index(crypto.PHONE, "") == crypto.blind_index(crypto.ID_NUMBER, None) == ""
    with override_settings(BLIND_INDEX_KEY=INDEX):
        assert crypto.blind_index(crypto.PHONE, "13903751234") != phone


# --- The keys -------------------------------------------------------------------------------------


def _keys(**values):
    base = {
        "FIELD_ENCRYPTION_KEYS": [],
        "BLIND_INDEX_KEY": b"",
        "FIELD_ENCRYPTION_KEY_FILE": "",
        "FIELD_ENCRYPTION_KEY_AUTOCREATE": False,
    }
    return override_settings(**{**base, **values})


def _errors() -> list[str]:
    return [message.id for message in crypto.check_keys()]


def test_no_key_is_a_system_check_error_not_a_default():
    with _keys():
        assert _errors() == ["cunjing.E001"]
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x", column=COLUMN)
    with _keys(FIELD_ENCRYPTION_KEYS=[("k1", K1)]):  # no blind-index key
        assert _errors() == ["cunjing.E001"]
    assert _errors() == []  # the test keys again


@pytest.mark.parametrize(
    "keys, index",
    [
        ("k1:not-base64!", b64(INDEX)),
        (f"k1:{b64(K1[:16])}", b64(INDEX)),  # 16 bytes: too short
        (f"k1:{b64(K1)},k1:{b64(K2)}", b64(INDEX)),  # one id twice
        (f"index:{b64(K1)}", b64(INDEX)),  # the reserved id
        (f"k 1:{b64(K1)}", b64(INDEX)),  # not an id
        (f"k1:{b64(K1)}", b64(K1)),  # the index key is an encryption key
        (f"k1:{b64(K1)}", "AAAA"),
    ],
)
def test_malformed_keys_are_refused_at_startup(keys, index):
    with _keys(FIELD_ENCRYPTION_KEYS=keys, BLIND_INDEX_KEY=index):
        assert _errors() == ["cunjing.E001"]


def test_keys_from_the_environment_the_first_one_current():
    with _keys(FIELD_ENCRYPTION_KEYS=f"k2:{b64(K2)}, k1:{b64(K1)}", BLIND_INDEX_KEY=b64(INDEX)):
        assert _errors() == []
        ring = crypto.keyring()
        assert (ring.current, ring.ids, ring.index_key) == ("k2", ("k2", "k1"), INDEX)


def test_the_embedded_key_file_is_made_once_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "var" / "field_keys"
    with _keys(FIELD_ENCRYPTION_KEY_FILE=str(path), FIELD_ENCRYPTION_KEY_AUTOCREATE=True):
        token = crypto.encrypt("+8613903751234", column=COLUMN)
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
        assert [line.split(":")[0] for line in lines] == ["index", "k1"]
        crypto.keyring.cache_clear()
        assert crypto.decrypt(token, column=COLUMN) == "+8613903751234"  # the same file again
        assert _errors() == []
        path.chmod(0o644)
        assert _errors() == ["cunjing.W001"]
    # Not allowed to make one (county): the same missing file is an error.
    with _keys(FIELD_ENCRYPTION_KEY_FILE=str(tmp_path / "none")):
        assert _errors() == ["cunjing.E001"]
        assert not (tmp_path / "none").exists()


def test_a_key_file_with_two_keys_and_comments(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"# rotated 2015-03\nindex:{b64(INDEX)}\nk2:{b64(K2)}  # new\nk1:{b64(K1)}\n")
    path.chmod(0o600)
    with _keys(FIELD_ENCRYPTION_KEY_FILE=str(path)):
        ring = crypto.keyring()
        assert (ring.current, ring.ids, ring.index_key) == ("k2", ("k2", "k1"), INDEX)


def _check(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FIELD_", "BLIND_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(CUNJING_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "check"],
        capture_output=True,
        text=True,
        env=clean,
        cwd=ROOT,
    )


def test_a_county_deployment_does_not_start_without_keys_and_the_embedded_one_makes_them(
    tmp_path,
):
    county = {"DEPLOYMENT": "county", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "example.org"}
    refused = _check(tmp_path / "county", **county)
    assert refused.returncode != 0 and "cunjing.E001" in refused.stderr
    assert not (tmp_path / "county" / "field_keys").exists()
    keys = {"FIELD_ENCRYPTION_KEYS": f"k1:{b64(K1)}", "BLIND_INDEX_KEY": b64(INDEX)}
    assert _check(tmp_path / "county", **county, **keys).returncode == 0
    embedded = _check(tmp_path / "embedded", DEPLOYMENT="embedded")
    assert embedded.returncode == 0, embedded.stderr
    assert oct((tmp_path / "embedded" / "field_keys").stat().st_mode & 0o777) == "0o600"


# --- The model fields -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, condition",
    [
        (Resident, Q(id_number=OWN_ID)),
        (Resident, Q(phone__startswith="+86139")),
        (Resident, Q(phone__in=["+8613903751234"])),
        (Resident, Q(id_number__endswith="5612")),
        (Establishment, Q(contact_phone__contains="1234")),
        (FloatingResident, Q(id_number__iexact=OWN_ID)),
        (Volunteer, Q(phone__gt="")),
        (Matter, Q(reporter_phone="13903751234")),
    ],
)
def test_a_search_of_the_ciphertext_is_refused(model, condition):
    with pytest.raises(FieldError, match="blind index"):
        list(model.objects.filter(condition))


@pytest.mark.django_db
def test_empty_and_null_tests_still_work(county):
    from tests.registry.data import build_registry

    registry = build_registry(county)
    without = Resident.objects.filter(id_number="").values_list("pk", flat=True)
    assert registry.residents["own_child"].pk in set(without)
    assert registry.residents["own"].pk not in set(without)
    assert Resident.objects.exclude(phone="").filter(phone__isnull=False).exists()
    assert set(Resident.objects.exclude(id_number="").values_list("id_number", flat=True)) >= {
        OWN_ID
    }


@pytest.mark.django_db
def test_the_index_follows_the_value_and_keeps_one_resident_per_id_number(county):
    from tests.registry.data import build_registry

    registry = build_registry(county)
    own = Resident.objects.get(pk=registry.residents["own"].pk)
    assert own.id_number_index == crypto.blind_index(crypto.ID_NUMBER, OWN_ID)
    assert own.phone_index == crypto.blind_index(crypto.PHONE, OWN_PHONE)
    assert Resident.objects.get(id_number_index=crypto.blind_index(crypto.ID_NUMBER, OWN_ID)) == own
    # Set on the instance, the index follows at once (before any save) ...
    other = id_number("19900101", "777")
    child = Resident.objects.get(pk=registry.residents["own_child"].pk)
    assert child.id_number_index == ""
    child.id_number = OWN_ID
    assert child.id_number_index == own.id_number_index
    # ... so the model's own validation finds the duplicate on the index ...
    with translation.override("en"), pytest.raises(ValidationError, match="already registered"):
        child.full_clean()
    # ... and a save stores the index of the value saved.
    child.id_number = other
    child.save()
    assert (
        Resident.objects.filter(id_number_index=crypto.blind_index(crypto.ID_NUMBER, other)).get()
        == child
    )
    # Saving the value without its index would leave the index stale: refused.
    child.phone = "+8613903750000"
    with pytest.raises(ValueError, match="phone_index"):
        child.save(update_fields=["phone"])
    child.save(update_fields=["phone", "phone_index"])
    assert (
        Resident.objects.get(phone_index=crypto.blind_index(crypto.PHONE, "13903750000")) == child
    )


@pytest.mark.django_db
def test_the_columns_are_long_enough_and_hold_only_ciphertext(county):
    from django.db import connection

    from tests.registry.data import build_registry

    build_registry(county)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_resident WHERE id_number <> ''")
        stored = cursor.fetchall()
    assert stored and all(crypto.is_ciphertext(value) for row in stored for value in row if value)
    field = Resident._meta.get_field("id_number")
    assert field.max_length == 18  # the clear value's, for forms and validators
    assert f"({crypto.ciphertext_length(18)})" in field.db_type(connection)
